//! The wizard's steps and the applicant fields it asks for.

/// The wizard's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Services,
    Applicant,
    Household,
    Documents,
    Signature,
    Review,
    /// Handed to the case service; the wizard is done.
    Submitted,
}

impl Step {
    /// The steps a user walks through (without the final `Submitted`).
    pub const ALL: [Step; 6] =
        [Self::Services, Self::Applicant, Self::Household, Self::Documents, Self::Signature, Self::Review];

    pub(super) fn next(self) -> Self {
        match self {
            Self::Services => Self::Applicant,
            Self::Applicant => Self::Household,
            Self::Household => Self::Documents,
            Self::Documents => Self::Signature,
            Self::Signature => Self::Review,
            Self::Review | Self::Submitted => Self::Submitted,
        }
    }

    pub(super) fn prev(self) -> Self {
        match self {
            Self::Services | Self::Applicant => Self::Services,
            Self::Household => Self::Applicant,
            Self::Documents => Self::Household,
            Self::Signature => Self::Documents,
            Self::Review => Self::Signature,
            Self::Submitted => Self::Submitted,
        }
    }
}

/// The applicant fields the wizard asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Surname,
    GivenName,
    Patronymic,
    BirthDate,
    Sex,
    Rnokpp,
    Unzr,
    Phone,
    /// Number of the identity document (ID card or passport booklet).
    DocumentNumber,
    /// Its date of issue.
    DocumentIssued,
    /// KATOTTG code of the settlement of the registered address.
    Katottg,
    AddressLine,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Self::Surname,
        Self::GivenName,
        Self::Patronymic,
        Self::BirthDate,
        Self::Sex,
        Self::Rnokpp,
        Self::Unzr,
        Self::Phone,
        Self::DocumentNumber,
        Self::DocumentIssued,
        Self::Katottg,
        Self::AddressLine,
    ];

    /// The fields that must be filled before going on.
    pub const REQUIRED: [Field; 8] = [
        Self::Surname,
        Self::GivenName,
        Self::BirthDate,
        Self::Sex,
        Self::DocumentNumber,
        Self::DocumentIssued,
        Self::Katottg,
        Self::AddressLine,
    ];

    /// A stable code, used for element ids.
    pub fn code(self) -> &'static str {
        match self {
            Self::Surname => "surname",
            Self::GivenName => "given_name",
            Self::Patronymic => "patronymic",
            Self::BirthDate => "birth_date",
            Self::Sex => "sex",
            Self::Rnokpp => "rnokpp",
            Self::Unzr => "unzr",
            Self::Phone => "phone",
            Self::DocumentNumber => "document_number",
            Self::DocumentIssued => "document_issued",
            Self::Katottg => "katottg",
            Self::AddressLine => "address_line",
        }
    }
}
