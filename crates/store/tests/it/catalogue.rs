//! The power catalogue: lifecycle, versions, scope, import and search.

use std::collections::BTreeMap;

use sunlight_domain::catalogue::generator::{department_for, generate_catalogue};
use sunlight_domain::catalogue::xlsx_export::export_xlsx;
use sunlight_domain::catalogue::{Column, PowerAction, PowerCode, PowerDraft, PowerTypes, RowContext, parse_row};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::text::Name;
use sunlight_store::catalogue::{self, ImportError, PowerFilter};
use sunlight_store::entity::unit;
use sunlight_store::testing::TestDb;
use sunlight_store::{Store, StoreError, demo, org};

fn unit_admin_of(unit_id: i64) -> Principal {
    Principal {
        actor: "user:scjg-admin".into(),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units([unit_id].into()),
        is_token: false,
    }
}

/// The demo county, with the sections the generated catalogues name.
async fn county(store: &Store) -> (unit::Model, unit::Model) {
    demo::build(store).await.unwrap();
    let system = Principal::system("test");
    let mut units = Vec::new();
    for code in ["SCJG", "ZRZY"] {
        let u = org::unit_by_code(store, &system, code).await.unwrap();
        let have: Vec<String> =
            org::list_sections(store, &system, u.id).await.unwrap().into_iter().map(|s| s.name).collect();
        for name in department_for(&UnitCode::parse(code).unwrap()).sections {
            if !have.iter().any(|h| h == name) {
                org::create_section(store, &system, u.id, &Name::parse(name).unwrap()).await.unwrap();
            }
        }
        units.push(u);
    }
    let zrzy = units.pop().unwrap();
    (units.pop().unwrap(), zrzy)
}

fn draft(unit: &str, cells: &[(Column, &str)]) -> PowerDraft {
    let unit = UnitCode::parse(unit).unwrap();
    let cells: BTreeMap<Column, &str> = cells.iter().copied().collect();
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    parse_row(|c| cells.get(&c).copied(), &context).unwrap()
}

fn licence(name: &str, promised: &str) -> PowerDraft {
    draft(
        "SCJG",
        &[
            (Column::Name, name),
            (Column::Type, "行政许可"),
            (Column::LegalBasis, "《中华人民共和国食品安全法》第三十五条"),
            (Column::LegalLimit, "20个工作日"),
            (Column::PromisedLimit, promised),
            (Column::Section, "登记注册股"),
        ],
    )
}

fn invalid_code(err: &StoreError, field: &str) -> Option<&'static str> {
    match err {
        StoreError::Invalid(fields) => fields.get(field).map(|e| e.code),
        _ => None,
    }
}

async fn lifecycle_versions_and_diff(db: TestDb) {
    let (scjg, _) = county(&db.store).await;
    let system = Principal::system("test");
    let admin = unit_admin_of(scjg.id);
    let created =
        catalogue::create_power(&db.store, &admin, licence("食品经营许可（测试）", "10个工作日")).await.unwrap();
    let code = created.power.code.clone();
    assert!(code.starts_with("SCJGXK"), "{code}");
    assert_eq!(created.power.version, 1);
    let id = created.power.id;

    let updated =
        catalogue::update_power(&db.store, &admin, id, licence("食品经营许可（测试）", "5个工作日")).await.unwrap();
    assert_eq!(updated.power.code, code, "the code stays");
    assert_eq!(updated.power.version, 2);

    // The unit submits; only the commission (or its sub-commission) reviews.
    catalogue::apply_action(&db.store, &admin, id, &PowerAction::Submit).await.unwrap();
    let denied = catalogue::apply_action(&db.store, &admin, id, &PowerAction::Review).await.unwrap_err();
    assert!(matches!(denied, StoreError::Denied(_)), "{denied:?}");
    let skip = catalogue::apply_action(&db.store, &system, id, &PowerAction::Publish).await.unwrap_err();
    assert_eq!(invalid_code(&skip, "action"), Some("transition_not_allowed"));
    catalogue::apply_action(&db.store, &system, id, &PowerAction::Review).await.unwrap();
    let published = catalogue::apply_action(&db.store, &system, id, &PowerAction::Publish).await.unwrap();
    assert_eq!(published.power.state, "published");
    let locked =
        catalogue::update_power(&db.store, &admin, id, licence("食品经营许可（测试）", "3个工作日")).await.unwrap_err();
    assert_eq!(invalid_code(&locked, "state"), Some("transition_not_allowed"));

    let versions = catalogue::list_versions(&db.store, &admin, id).await.unwrap();
    let trail: Vec<(i32, &str, &str)> =
        versions.iter().map(|v| (v.version, v.action.as_str(), v.state.as_str())).collect();
    assert_eq!(
        trail,
        vec![
            (1, "create", "draft"),
            (2, "update", "draft"),
            (3, "submit", "submitted"),
            (4, "review", "reviewed"),
            (5, "publish", "published")
        ]
    );
    let changes = catalogue::compare_versions(&db.store, &admin, id, 1, 2).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].column, Column::PromisedLimit);
    assert_eq!(changes[0].after.as_deref(), Some("5个工作日"));
    assert!(catalogue::compare_versions(&db.store, &admin, id, 4, 5).await.unwrap().is_empty());

    // Merging needs a live target; the merged power keeps its history.
    let nowhere = PowerAction::Merge { into: PowerCode::parse("SCJGXK999").unwrap() };
    let err = catalogue::apply_action(&db.store, &system, id, &nowhere).await.unwrap_err();
    assert_eq!(invalid_code(&err, "into"), Some("not_found"));
    let other = catalogue::create_power(&db.store, &admin, licence("另一项许可", "10个工作日")).await.unwrap();
    let into = PowerAction::Merge { into: PowerCode::parse(&other.power.code).unwrap() };
    let merged = catalogue::apply_action(&db.store, &system, id, &into).await.unwrap();
    assert_eq!(merged.power.merged_into.as_deref(), Some(other.power.code.as_str()));
    assert!(merged.state.is_final());
    assert_eq!(catalogue::list_versions(&db.store, &system, id).await.unwrap().len(), 6);

    // The demo's powers, inserted as rows with one version each, read back whole.
    let all = catalogue::list_powers(&db.store, &system, &PowerFilter::default(), 1, 1000).await.unwrap();
    assert!(all.total > 1);
    for record in all.powers.iter().filter(|r| r.power.version == 1).take(5) {
        let changes = catalogue::compare_versions(&db.store, &system, record.power.id, 1, 1).await.unwrap();
        assert!(changes.is_empty());
    }

    // Every change is in the audit chain.
    let verified = sunlight_store::audit::verify(&db.store).await.unwrap();
    assert!(matches!(verified, sunlight_store::audit::Verification::Intact { .. }), "{verified:?}");
}
both_backends!(lifecycle_versions_and_diff);

async fn bad_fields_are_field_errors(db: TestDb) {
    let (scjg, _) = county(&db.store).await;
    let admin = unit_admin_of(scjg.id);
    let mut parts = licence("许可", "10个工作日").into_parts();
    parts.section = Some(Name::parse("没有这个股").unwrap());
    let err = catalogue::create_power(&db.store, &admin, PowerDraft::new(parts).unwrap()).await.unwrap_err();
    assert_eq!(invalid_code(&err, "section"), Some("unknown_section"));
    let first = catalogue::create_power(&db.store, &admin, licence("许可甲", "10个工作日")).await.unwrap();
    let mut parts = licence("许可乙", "10个工作日").into_parts();
    parts.code = Some(PowerCode::parse(&first.power.code).unwrap());
    let err = catalogue::create_power(&db.store, &admin, PowerDraft::new(parts).unwrap()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "code" }), "{err:?}");
}
both_backends!(bad_fields_are_field_errors);

async fn a_unit_admin_cannot_reach_another_units_powers(db: TestDb) {
    let (scjg, zrzy) = county(&db.store).await;
    let system = Principal::system("test");
    let admin = unit_admin_of(scjg.id);
    let foreign = draft(
        "ZRZY",
        &[
            (Column::Name, "建设用地规划许可证核发（测试）"),
            (Column::Type, "XK"),
            (Column::LegalBasis, "《城乡规划法》第三十七条"),
        ],
    );
    let err = catalogue::create_power(&db.store, &admin, foreign.clone()).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    let theirs = catalogue::create_power(&db.store, &system, foreign.clone()).await.unwrap();
    let mine = catalogue::create_power(&db.store, &admin, licence("本单位许可", "10个工作日")).await.unwrap();

    let err = catalogue::get_power(&db.store, &admin, theirs.power.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(catalogue::update_power(&db.store, &admin, theirs.power.id, foreign).await.is_err());
    assert!(catalogue::apply_action(&db.store, &admin, theirs.power.id, &PowerAction::Submit).await.is_err());
    let listed = catalogue::list_powers(&db.store, &admin, &PowerFilter::default(), 1, 1000).await.unwrap();
    assert!(listed.powers.iter().all(|p| p.power.unit_id == scjg.id));
    assert!(listed.powers.iter().any(|p| p.power.id == mine.power.id));
    let other_unit = PowerFilter { unit_id: Some(zrzy.id), ..Default::default() };
    assert!(matches!(catalogue::list_powers(&db.store, &admin, &other_unit, 1, 10).await, Err(StoreError::Denied(_))));
    let err = catalogue::import_powers(&db.store, &admin, "ZRZY", b"not even a file").await.unwrap_err();
    assert!(matches!(err, ImportError::Store(StoreError::Denied(_))), "{err:?}");
}
both_backends!(a_unit_admin_cannot_reach_another_units_powers);

/// A catalogue sheet with the Chinese headers of `columns` and these rows.
fn sheet(columns: &[Column], rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, column) in (0u16..).zip(columns) {
        ws.write_string(0, c, column.header_zh()).unwrap();
    }
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(*row) {
            ws.write_string(r, c, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

const COLUMNS: &[Column] =
    &[Column::Code, Column::Name, Column::Type, Column::LegalBasis, Column::PromisedLimit, Column::Section];

async fn count_in(store: &Store, unit_id: i64) -> u64 {
    let filter = PowerFilter { unit_id: Some(unit_id), ..Default::default() };
    catalogue::list_powers(store, &Principal::system("test"), &filter, 1, 1).await.unwrap().total
}

async fn import_is_all_or_nothing(db: TestDb) {
    let (scjg, zrzy) = county(&db.store).await;
    let system = Principal::system("test");
    let admin = unit_admin_of(scjg.id);
    let before = count_in(&db.store, scjg.id).await;
    let audit_before =
        sunlight_store::audit::list(&db.store, &system, &sunlight_store::audit::AuditFilter::default(), 1, 1)
            .await
            .unwrap()
            .total;

    let bad = sheet(
        COLUMNS,
        &[
            &["", "食品经营许可（导入）", "行政许可", "《食品安全法》第三十五条", "10个工作日", "登记注册股"],
            &["", "坏类型", "行政审批", "《食品安全法》第三十五条", "", ""],
            &["", "坏科室", "行政检查", "《食品安全法》第八十七条", "二十", "没有这个股"],
        ],
    );
    let Err(ImportError::Rejected(issues)) = catalogue::import_powers(&db.store, &admin, "SCJG", &bad).await else {
        panic!("a bad file must be refused")
    };
    let found: Vec<(Option<u32>, Option<Column>, &str)> = issues.iter().map(|i| (i.row, i.column, i.code)).collect();
    assert!(found.contains(&(Some(3), Some(Column::Type), "unknown_power_type")), "{found:?}");
    assert!(found.contains(&(Some(4), Some(Column::Section), "unknown_section")), "{found:?}");
    assert!(found.contains(&(Some(4), Some(Column::PromisedLimit), "limit_unit_missing")), "{found:?}");
    assert_eq!(count_in(&db.store, scjg.id).await, before, "nothing was written");
    let audit_after =
        sunlight_store::audit::list(&db.store, &system, &sunlight_store::audit::AuditFilter::default(), 1, 1)
            .await
            .unwrap()
            .total;
    assert_eq!(audit_after, audit_before);

    // Another unit's code is refused on its row (it names the other unit).
    let theirs = catalogue::create_power(
        &db.store,
        &system,
        draft("ZRZY", &[(Column::Name, "他单位事项"), (Column::Type, "XK"), (Column::LegalBasis, "《城乡规划法》")]),
    )
    .await
    .unwrap();
    assert_eq!(theirs.power.unit_id, zrzy.id);
    let clash = sheet(
        COLUMNS,
        &[
            &["", "食品经营许可（导入）", "行政许可", "《食品安全法》第三十五条", "", ""],
            &[&theirs.power.code, "冒用编码", "行政许可", "《食品安全法》", "", ""],
        ],
    );
    let Err(ImportError::Rejected(issues)) = catalogue::import_powers(&db.store, &system, "SCJG", &clash).await else {
        panic!("a foreign code must be refused")
    };
    assert!(issues.iter().any(|i| i.row == Some(3) && i.code == "code_unit_mismatch"), "{issues:?}");
    assert_eq!(count_in(&db.store, scjg.id).await, before);

    // A good file imports every row (codes assigned after the demo's); importing
    // the drafts again updates them.
    let generated: Vec<PowerDraft> = generate_catalogue(&UnitCode::parse("SCJG").unwrap(), 30, 7)
        .into_iter()
        .map(|d| {
            let mut parts = d.into_parts();
            parts.code = None;
            PowerDraft::new(parts).unwrap()
        })
        .collect();
    let report = catalogue::import_powers(&db.store, &admin, "SCJG", &export_xlsx(&generated).unwrap()).await.unwrap();
    assert_eq!((report.created, report.updated), (30, 0));
    assert_eq!(count_in(&db.store, scjg.id).await, before + 30);
    let drafts = PowerFilter { state: Some("draft".into()), ..Default::default() };
    let imported: Vec<PowerDraft> = catalogue::list_powers(&db.store, &admin, &drafts, 1, 1000)
        .await
        .unwrap()
        .powers
        .into_iter()
        .map(|r| r.draft)
        .collect();
    assert_eq!(imported.len(), 30);
    let again = catalogue::import_powers(&db.store, &admin, "SCJG", &export_xlsx(&imported).unwrap()).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 30));
    let exported = catalogue::export_drafts(&db.store, &admin, Some(scjg.id), false).await.unwrap();
    assert!(imported.iter().all(|d| exported.contains(d)));
    assert_eq!(count_in(&db.store, scjg.id).await, before + 30);

    // A published power's code in the file is a duplicate: published text changes by review.
    let drafts = PowerFilter { state: Some("draft".into()), ..Default::default() };
    let one = catalogue::list_powers(&db.store, &admin, &drafts, 1, 1).await.unwrap().powers.remove(0);
    for action in [PowerAction::Submit, PowerAction::Review, PowerAction::Publish] {
        catalogue::apply_action(&db.store, &system, one.power.id, &action).await.unwrap();
    }
    let Err(ImportError::Rejected(issues)) =
        catalogue::import_powers(&db.store, &admin, "SCJG", &export_xlsx(&[one.draft]).unwrap()).await
    else {
        panic!("a published code must be refused")
    };
    assert_eq!(issues[0].code, "duplicate_code");
}
both_backends!(import_is_all_or_nothing);

async fn search_finds_substrings_and_escapes_wildcards(db: TestDb) {
    let (scjg, _) = county(&db.store).await;
    let system = Principal::system("test");
    let admin = unit_admin_of(scjg.id);
    let names = [
        ("食品经营许可（检索）", "《中华人民共和国食品安全法》第三十五条"),
        ("药品零售企业许可（检索）", "《中华人民共和国药品管理法》第五十二条"),
        ("对超标50%排放的行政处罚（检索）", "《某某条例》第十条"),
    ];
    let mut ids = Vec::new();
    for (name, basis) in names {
        let d = draft(
            "SCJG",
            &[
                (Column::Name, name),
                (Column::Type, if name.contains("处罚") { "CF" } else { "XK" }),
                (Column::LegalBasis, basis),
            ],
        );
        ids.push(catalogue::create_power(&db.store, &admin, d).await.unwrap().power.id);
    }
    let search = |q: &str| {
        let filter = PowerFilter { q: Some(q.into()), ..Default::default() };
        let store = db.store.clone();
        let admin = admin.clone();
        async move {
            let page = catalogue::list_powers(&store, &admin, &filter, 1, 100).await.unwrap();
            let mut found: Vec<i64> = page.powers.iter().map(|p| p.power.id).collect();
            found.sort_unstable();
            found
        }
    };
    let only = |indexes: &[usize]| indexes.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let ours = |found: Vec<i64>| found.into_iter().filter(|id| ids.contains(id)).collect::<Vec<_>>();
    assert_eq!(ours(search("食品经营").await), only(&[0]), "three characters and more: FTS");
    assert_eq!(ours(search("药品").await), only(&[1]), "two characters: LIKE");
    assert_eq!(ours(search("药品管理法").await), only(&[1]), "legal basis");
    assert_eq!(ours(search("检索").await), only(&[0, 1, 2]));
    assert_eq!(search("50%").await, only(&[2]), "% is a character, not a wildcard");
    assert_eq!(search("%").await, only(&[2]));
    assert_eq!(search("_").await, Vec::<i64>::new());
    assert_eq!(search("\"许可").await, Vec::<i64>::new(), "quotes are text");
    assert_eq!(ours(search("许可（检").await), only(&[0, 1]));

    // Paging keeps the count, also past the last page.
    let mine = PowerFilter { q: Some("（检索）".into()), ..Default::default() };
    let second = catalogue::list_powers(&db.store, &admin, &mine, 2, 1).await.unwrap();
    assert_eq!((second.total, second.powers.len()), (3, 1));
    let beyond = catalogue::list_powers(&db.store, &admin, &mine, 9, 1).await.unwrap();
    assert_eq!((beyond.total, beyond.powers.len()), (3, 0));
    let codes: Vec<String> = catalogue::list_powers(&db.store, &admin, &mine, 1, 10)
        .await
        .unwrap()
        .powers
        .into_iter()
        .map(|p| p.power.code)
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted, "by code");

    // Filters and the public catalogue.
    let penalties = PowerFilter { power_type: Some("penalty".into()), q: Some("检索".into()), ..Default::default() };
    let found = catalogue::list_powers(&db.store, &admin, &penalties, 1, 10).await.unwrap();
    assert_eq!(found.powers.iter().map(|p| p.power.id).collect::<Vec<_>>(), only(&[2]));
    let public = PowerFilter { q: Some("检索".into()), ..Default::default() };
    assert_eq!(catalogue::list_public_powers(&db.store, &public, 1, 10).await.unwrap().total, 0);
    for action in [PowerAction::Submit, PowerAction::Review, PowerAction::Publish] {
        catalogue::apply_action(&db.store, &system, ids[1], &action).await.unwrap();
    }
    let page = catalogue::list_public_powers(&db.store, &public, 1, 10).await.unwrap();
    assert_eq!(page.powers.iter().map(|p| p.power.id).collect::<Vec<_>>(), only(&[1]));

    // Latin letters match in either case.
    let icp = draft(
        "SCJG",
        &[(Column::Name, "ICP证核发（大小写）"), (Column::Type, "XK"), (Column::LegalBasis, "《电信条例》")],
    );
    let icp = catalogue::create_power(&db.store, &admin, icp).await.unwrap().power.id;
    for q in ["icp证", "Cp", "ICP证核发"] {
        assert_eq!(search(q).await, vec![icp], "{q}");
    }
}
both_backends!(search_finds_substrings_and_escapes_wildcards);
