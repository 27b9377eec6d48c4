//! The service catalogue: which services an application can ask for and which documents
//! each one needs, so a case knows whether its document package is complete and what is
//! missing. Shipped as data in `assets/catalogue/services.toml`; a hromada may load its own.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::Case;

/// The catalogue shipped with this build.
pub const EMBEDDED: &str = include_str!("../../assets/catalogue/services.toml");

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the service catalogue is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("the service catalogue lists {kind} code {code} twice")]
    Duplicate { kind: &'static str, code: String },
    #[error("service {service} needs document {document}, which the catalogue does not define")]
    UnknownDocument { service: String, document: String },
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DocumentKind {
    pub code: String,
    pub uk: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Service {
    pub code: String,
    pub uk: String,
    pub en: String,
    pub category: String,
    pub required: Vec<String>,
    #[serde(default)]
    pub optional: Vec<String>,
    /// A retired code stays readable in old cases but is not offered for new ones.
    #[serde(default)]
    pub retired: bool,
}

#[derive(Debug, Deserialize)]
struct File {
    #[serde(rename = "document")]
    documents: Vec<DocumentKind>,
    #[serde(rename = "service")]
    services: Vec<Service>,
}

/// A checked catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    documents: BTreeMap<String, DocumentKind>,
    services: Vec<Service>,
}

/// A required document that no attachment provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDocument {
    pub document: String,
    /// The requested services that need it.
    pub for_services: Vec<String>,
}

/// Whether a case's document package is complete.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageStatus {
    pub missing: Vec<MissingDocument>,
    /// Requested service codes this catalogue does not know.
    pub unknown_services: Vec<String>,
}

impl PackageStatus {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unknown_services.is_empty()
    }
}

impl Catalogue {
    /// The catalogue shipped in `assets/`.
    pub fn embedded() -> Result<Self, CatalogueError> {
        Self::parse(EMBEDDED)
    }

    /// Parses and checks a catalogue file.
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let file: File = toml::from_str(text)?;
        let mut documents = BTreeMap::new();
        for d in file.documents {
            if documents.contains_key(&d.code) {
                return Err(CatalogueError::Duplicate { kind: "document", code: d.code });
            }
            documents.insert(d.code.clone(), d);
        }
        let mut codes = BTreeSet::new();
        for s in &file.services {
            if !codes.insert(s.code.as_str()) {
                return Err(CatalogueError::Duplicate { kind: "service", code: s.code.clone() });
            }
            if let Some(unknown) = s.required.iter().chain(&s.optional).find(|d| !documents.contains_key(*d)) {
                return Err(CatalogueError::UnknownDocument { service: s.code.clone(), document: unknown.clone() });
            }
        }
        Ok(Self { documents, services: file.services })
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// Services that can be chosen for a new application.
    pub fn offered(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| !s.retired)
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn document(&self, code: &str) -> Option<&DocumentKind> {
        self.documents.get(code)
    }

    /// The documents the requested services need, each with the services needing it.
    pub fn required_for<'a>(&self, services: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Vec<String>> {
        let mut need: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for code in services {
            for d in self.service(code).map(|s| s.required.as_slice()).unwrap_or_default() {
                let v = need.entry(d.clone()).or_default();
                if !v.iter().any(|s| s == code) {
                    v.push(code.to_owned());
                }
            }
        }
        need
    }

    /// Which required documents the case still lacks. A document kind counts as provided
    /// by any attachment of that kind.
    pub fn package(&self, case: &Case) -> PackageStatus {
        let have: BTreeSet<&str> = case.attachments.values().map(|a| a.kind.as_str()).collect();
        let mut unknown_services: Vec<String> =
            case.service_codes().filter(|c| self.service(c).is_none()).map(str::to_owned).collect();
        unknown_services.sort();
        unknown_services.dedup();
        let missing = self
            .required_for(case.service_codes())
            .into_iter()
            .filter(|(d, _)| !have.contains(d.as_str()))
            .map(|(document, for_services)| MissingDocument { document, for_services })
            .collect();
        PackageStatus { missing, unknown_services }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, RecordMap, RequestedService};

    #[test]
    fn the_embedded_catalogue_covers_the_most_requested_services() {
        let c = Catalogue::embedded().expect("the shipped catalogue parses");
        assert!(c.offered().count() >= 15);
        for code in [
            "housing_subsidy",
            "low_income_assistance",
            "birth_assistance",
            "single_parent_assistance",
            "care_compensation",
            "idp_registration",
            "utility_benefits",
        ] {
            let s = c.service(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(!s.required.is_empty() && !s.uk.is_empty() && !s.en.is_empty(), "{code}");
        }
    }

    #[test]
    fn broken_catalogues_are_refused_with_the_reason() {
        let doc = "[[document]]\ncode='a'\nuk='а'\nen='a'\n";
        let svc = |req: &str| format!("[[service]]\ncode='s'\nuk='с'\nen='s'\ncategory='x'\nrequired=[{req}]\n");
        assert!(matches!(Catalogue::parse("not toml ["), Err(CatalogueError::Syntax(_))));
        assert!(matches!(
            Catalogue::parse(&format!("{doc}{}", svc("'b'"))),
            Err(CatalogueError::UnknownDocument { .. })
        ));
        assert!(matches!(
            Catalogue::parse(&format!("{doc}{doc}{}", svc("'a'"))),
            Err(CatalogueError::Duplicate { kind: "document", .. })
        ));
        assert!(matches!(
            Catalogue::parse(&format!("{doc}{}{}", svc("'a'"), svc("'a'"))),
            Err(CatalogueError::Duplicate { kind: "service", .. })
        ));
    }

    #[test]
    fn the_package_knows_what_is_missing() {
        let c = Catalogue::embedded().expect("catalogue");
        let mut case = Case::default();
        for (i, code) in ["housing_subsidy", "birth_assistance", "no_such_service"].iter().enumerate() {
            case.services.add(RequestedService { id: format!("s{i}"), code: (*code).into() });
        }
        let attach = |kind: &str| Attachment { id: kind.into(), kind: kind.into(), ..Default::default() };
        case.attachments.add(attach("identity_document"));
        case.attachments.add(attach("birth_certificate"));
        let p = c.package(&case);
        assert!(!p.is_complete());
        assert_eq!(p.unknown_services, ["no_such_service"]);
        let missing: Vec<_> = p.missing.iter().map(|m| (m.document.as_str(), m.for_services.clone())).collect();
        assert_eq!(
            missing,
            [
                ("income_declaration", vec!["housing_subsidy".to_owned()]),
                ("rnokpp_card", vec!["birth_assistance".to_owned()]),
            ]
        );
        case.services.remove("s2");
        case.attachments.add(attach("income_declaration"));
        case.attachments.add(attach("rnokpp_card"));
        assert!(c.package(&case).is_complete());
    }
}
