# Sunlight — English
app-name = Sunlight Power Monitoring
skip-to-content = Skip to content
language = Language
navigation = Navigation
yes = Yes
no = No
option-any = Any
colon = {": "}
option-none = (none)
table-count = { $count ->
    [one] 1 record
   *[other] { $count } records
}

nav-group-organization = Organization
nav-group-system = System
nav-dashboard = Dashboard
nav-units = Units
nav-persons = Cadres
nav-sub-commissions = Sub-commissions
nav-password = Change password
nav-tokens = API tokens
nav-audit = Audit log
nav-users = Accounts

role-commission-admin = Commission admin
role-sub-commission-staff = Sub-commission staff
role-unit-admin = Unit admin
role-cadre = Cadre
role-supervisor = Supervisor

category-law-enforcement = Law enforcement
category-economic-social = Economic and social management
category-public-institution = Public institution
tier-unit-head = Unit head
tier-leadership = Leadership team
tier-section-head = Section head
tier-ordinary-cadre = Ordinary cadre
hot-personnel = Personnel
hot-finance = Finance
hot-affairs = Affairs
state-active = Active
state-inactive = Deactivated
state-revoked = Revoked

page-dashboard = Dashboard
page-sub-commissions = Sub-commissions
page-new-sub-commission = New sub-commission
page-edit-sub-commission = Edit sub-commission
page-units = Units
page-new-unit = New unit
page-edit-unit = Edit unit
page-unit = Unit
page-new-section = New section
page-edit-section = Edit section
page-new-position = New position
page-edit-position = Edit position
page-persons = Cadres
page-new-person = Add cadre
page-edit-person = Edit cadre
page-users = Accounts
page-new-user = New account
page-tokens = API tokens
page-token-created = Token created
page-password = Change password
page-audit = Audit log

heading-sections = Sections
heading-positions = Positions
heading-persons = Cadres

col-code = Code
col-name = Name
col-category = Category
col-sub-commission = Sub-commission
col-pilot = Pilot unit
col-state = State
col-actions = Actions
col-units = Units watched
col-section = Section
col-position = Position
col-hot = Hot position
col-tier = Tier
col-unit = Unit
col-login = Login
col-display-name = Name
col-role = Role
col-created = Created
col-created-by = Created by
col-seq = No.
col-at = Time
col-actor = Actor
col-action = Action
col-entity = Record
col-hash = Hash

empty-units = No units yet. Create a unit, then add its sections, positions and cadres.
empty-sub-commissions = No sub-commissions yet. Create one, then assign the units it watches.
empty-sections = No sections yet; add one below.
empty-positions = No positions yet; add one below.
empty-persons = No cadres match.
empty-users = No accounts yet.
empty-tokens = No API tokens yet. A unit's own approval system needs one to push data.
empty-audit = No audit records match.

field-name = Name
field-active = Active
field-search = Search
field-category = Unit category
field-sub-commission = Sub-commission
field-pilot = Pilot unit
field-include-inactive = Include deactivated
field-unit-code = Unit code
field-section = Section
field-position = Position
field-hot-personnel = Hot position (personnel)
field-hot-finance = Hot position (finance)
field-hot-affairs = Hot position (affairs)
field-unit = Unit
field-tier = Tier
field-login = Login
field-password = Password
field-display-name = Name
field-role = Role
field-supervised-units = Units supervised (supervisors)
field-token-name = Token name
field-current-password = Current password
field-new-password = New password
field-confirm-password = New password again
field-actor = Actor
field-action = Action
field-entity = Record type
field-entity-id = Record id

help-unit-code = 2–16 capital letters or digits, starting with a letter, e.g. SCJG. Power codes start with it.
help-login = Letters, digits, dots, underscores or hyphens.
help-password = At least 10 characters.
help-user-unit = Unit admins and cadres must belong to a unit.
help-token-name = E.g. "approval system". The token is shown once: keep it safe.

action-login = Log in
action-logout = Log out
action-staff-login = Staff log-in
action-save = Save
action-cancel = Cancel
action-edit = Edit
action-filter = Filter
action-back = Back
action-back-home = Back to the start page
action-new-unit = New unit
action-new-sub-commission = New sub-commission
action-new-user = New account
action-add-section = Add section
action-add-position = Add position
action-add-person = Add cadre
action-deactivate = Deactivate
action-activate = Activate
action-revoke = Revoke
action-create-token = Create token
action-change-password = Change password

confirm-deactivate-user = The account is logged out at once and cannot log in again. Deactivate it?
confirm-activate-user = Activate this account again?
confirm-revoke-token = Systems using this token will no longer be able to push data. Revoke it?

notice-token-once = This is the only time the token is shown. Copy it into the client system now; Sunlight keeps only its hash.
notice-password-changed = Your password was changed; your sessions on other devices were ended.
intro-tokens = API tokens let a unit's own systems call the API. A token sees only its unit's data and can be revoked at any time.
intro-password = After the change, your sessions on other devices end.

login-title = Staff log-in
home-intro = This platform publishes the county's catalogue of powers, how they are exercised and how they are supervised, for everyone to see.
figure-units = Units
figure-pilot-units = Pilot units
figure-sections = Sections
figure-positions = Positions
figure-hot-positions = Hot positions
figure-persons = Cadres
audit-head = Current head of the audit chain
audit-head-explain = Every change is recorded in a hash chain. Keep this hash: if anyone later rewrites the history, verification will no longer match the value you kept.
audit-head-records = Records

error-title = Something went wrong
error-unauthenticated = Please log in first.
error-forbidden = You are not allowed to do this.
error-csrf-failed = The page has expired or the request did not come from this site. Reload the page and try again.
error-not-found = That page or record does not exist.
error-invalid-input = Some fields are not right; see the marked fields.
error-conflict = This duplicates an existing record.
error-too-many-attempts = Too many attempts; try again later.
error-throttled = Too many failed log-ins; try again in { $seconds } seconds.
error-bad-credentials = Wrong login or password.
error-internal-error = An internal error occurred and was logged. Please try again later.
error-payload-too-large = The submitted content is too large.
error-method-not-allowed = This request method is not supported here.
error-unsupported-media-type = This content type is not supported.
error-timeout = The request took too long.
error-bad-request = The request is malformed.
error-bad-form = The form data is malformed.
error-invalid-json = The JSON is malformed or a field has the wrong type.

field-required = Required.
field-too-long = At most { $limit } characters.
field-control-characters = Must not contain control characters.
field-code-length = Must be 2 to { $limit } characters long.
field-code-format = Capital letters and digits only, starting with a letter.
field-unknown-value = Not one of the allowed values.
field-not-found = Does not exist.
field-not-in-unit = Does not belong to this unit.
field-already-exists = Already exists.
field-login-format = Letters, digits, dots, underscores and hyphens only.
field-password-too-short = At least { $limit } characters.
field-wrong-password = The current password is wrong.
field-passwords-differ = The two new passwords differ.
field-not-a-number = Must be a numeric id.

pager = Pages
pager-prev = Previous
pager-next = Next
errors-heading = { $count ->
    [one] Please correct 1 error
   *[other] Please correct { $count } errors
}
more-persons = See all { $count } cadres
empty-units-filtered = No units match. Relax the filters.
col-person-name = Name
field-person-name = Name
option-choose = Please choose
field-cannot-deactivate-self = You cannot deactivate your own account.
field-not-in-section = This position does not belong to the chosen section.

# audit actions: audit-<entity>-<verb>
audit-auth-login = Logged in
audit-auth-logout = Logged out
audit-county-set-name = Named the county
audit-person-create = Added a cadre
audit-person-update = Changed a cadre
audit-position-create = Created a position
audit-position-update = Changed a position
audit-section-create = Created a section
audit-section-update = Changed a section
audit-sub-commission-create = Created a sub-commission
audit-sub-commission-update = Changed a sub-commission
audit-token-create = Created an API token
audit-token-revoke = Revoked an API token
audit-unit-create = Created a unit
audit-unit-update = Changed a unit
audit-unit-activate = Activated a unit
audit-unit-deactivate = Deactivated a unit
audit-user-create = Created an account
audit-user-activate = Activated an account
audit-user-deactivate = Deactivated an account
audit-user-password-change = Changed own password
audit-user-password-reset = Reset a password
action-export = Export to Excel
