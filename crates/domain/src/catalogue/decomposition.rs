//! Power decomposition (权力分解): deciding, executing and supervising one power
//! must sit in different sections.
