//! Coded values on the person record and their SAC (Safeguarding Adults
//! Collection) reporting groups. Each value has a stable code (stored and
//! used in the API) and a label shown to users. SAC labels are verbatim from
//! the collection (see `docs/domain.md`).

/// Defines an enum of coded values with `ALL`, `code()`, `label()` and `parse()`.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal : $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in the order shown to users.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The value with this code, if any.
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code {s:?}")))
            }
        }
    };
}
pub(crate) use coded;

coded!(
    /// Gender as recorded on the person's record.
    Gender {
        /// Female.
        Female = "female" : "Female",
        /// Male.
        Male = "male" : "Male",
        /// The person describes their gender in another way.
        Other = "other" : "In another way",
        /// Not known or not stated.
        NotKnown = "not_known" : "Not known",
    }
);

impl Gender {
    /// The SAC SG1b category.
    pub fn sac_sg1b(self) -> &'static str {
        match self {
            Gender::Female => "Female",
            Gender::Male => "Male",
            Gender::Other | Gender::NotKnown => "Not Known",
        }
    }
}

coded!(
    /// Detailed ethnic category (ONS 2021 census categories for England and
    /// Wales), plus refused and not known.
    Ethnicity {
        /// White: English, Welsh, Scottish, Northern Irish or British.
        WhiteBritish = "white_british" : "White: English, Welsh, Scottish, Northern Irish or British",
        /// White: Irish.
        WhiteIrish = "white_irish" : "White: Irish",
        /// White: Gypsy or Irish Traveller.
        WhiteGypsyTraveller = "white_gypsy_traveller" : "White: Gypsy or Irish Traveller",
        /// White: Roma.
        WhiteRoma = "white_roma" : "White: Roma",
        /// White: any other White background.
        WhiteOther = "white_other" : "White: any other White background",
        /// Mixed: White and Black Caribbean.
        MixedWhiteBlackCaribbean = "mixed_white_black_caribbean" : "Mixed or multiple: White and Black Caribbean",
        /// Mixed: White and Black African.
        MixedWhiteBlackAfrican = "mixed_white_black_african" : "Mixed or multiple: White and Black African",
        /// Mixed: White and Asian.
        MixedWhiteAsian = "mixed_white_asian" : "Mixed or multiple: White and Asian",
        /// Mixed: any other.
        MixedOther = "mixed_other" : "Mixed or multiple: any other Mixed or multiple background",
        /// Asian: Indian.
        AsianIndian = "asian_indian" : "Asian or Asian British: Indian",
        /// Asian: Pakistani.
        AsianPakistani = "asian_pakistani" : "Asian or Asian British: Pakistani",
        /// Asian: Bangladeshi.
        AsianBangladeshi = "asian_bangladeshi" : "Asian or Asian British: Bangladeshi",
        /// Asian: Chinese.
        AsianChinese = "asian_chinese" : "Asian or Asian British: Chinese",
        /// Asian: any other.
        AsianOther = "asian_other" : "Asian or Asian British: any other Asian background",
        /// Black: African.
        BlackAfrican = "black_african" : "Black, Black British, Caribbean or African: African",
        /// Black: Caribbean.
        BlackCaribbean = "black_caribbean" : "Black, Black British, Caribbean or African: Caribbean",
        /// Black: any other.
        BlackOther = "black_other" : "Black, Black British, Caribbean or African: any other Black background",
        /// Other: Arab.
        OtherArab = "other_arab" : "Other ethnic group: Arab",
        /// Other: any other.
        OtherAny = "other_any" : "Other ethnic group: any other ethnic group",
        /// The person chose not to say.
        Refused = "refused" : "Prefers not to say",
        /// Not asked or not known.
        NotKnown = "not_known" : "Not known",
    }
);

impl Ethnicity {
    /// The SAC SG1c group.
    pub fn sac_sg1c(self) -> &'static str {
        use Ethnicity::*;
        match self {
            WhiteBritish | WhiteIrish | WhiteGypsyTraveller | WhiteRoma | WhiteOther => "White",
            MixedWhiteBlackCaribbean | MixedWhiteBlackAfrican | MixedWhiteAsian | MixedOther => {
                "Mixed / Multiple"
            }
            AsianIndian | AsianPakistani | AsianBangladeshi | AsianChinese | AsianOther => {
                "Asian / Asian British"
            }
            BlackAfrican | BlackCaribbean | BlackOther => {
                "Black / African / Caribbean / Black British"
            }
            OtherArab | OtherAny => "Other Ethnic Group",
            Refused => "Refused",
            NotKnown => "Undeclared / Not Known",
        }
    }
}

coded!(
    /// Primary support reason; the labels are the SAC SG1d categories.
    PrimarySupportReason {
        /// Physical Support.
        Physical = "physical" : "Physical Support",
        /// Sensory Support.
        Sensory = "sensory" : "Sensory Support",
        /// Support with Memory and Cognition.
        MemoryCognition = "memory_cognition" : "Support with Memory and Cognition",
        /// Learning Disability Support.
        LearningDisability = "learning_disability" : "Learning Disability Support",
        /// Mental Health Support.
        MentalHealth = "mental_health" : "Mental Health Support",
        /// Social Support.
        Social = "social" : "Social Support",
        /// No Support Reason.
        NoSupportReason = "none" : "No Support Reason",
        /// Not Known.
        NotKnown = "not_known" : "Not Known",
    }
);

coded!(
    /// Communication needs the person has, so that everyone honours them.
    CommunicationNeed {
        /// British Sign Language interpreter.
        Bsl = "bsl" : "British Sign Language interpreter",
        /// Easy read information.
        EasyRead = "easy_read" : "Easy read information",
        /// Large print.
        LargePrint = "large_print" : "Large print",
        /// Braille.
        Braille = "braille" : "Braille",
        /// Hearing loop.
        HearingLoop = "hearing_loop" : "Hearing loop",
        /// Communication aid or device.
        Aid = "aid" : "Communication aid or device",
        /// More time and plain words.
        Time = "time" : "More time and plain words",
    }
);

coded!(
    /// How a key person is related to the person.
    Relationship {
        /// A family member.
        Family = "family" : "Family member",
        /// Partner, husband or wife.
        Partner = "partner" : "Partner, husband or wife",
        /// An unpaid carer.
        Carer = "carer" : "Unpaid carer",
        /// A friend.
        Friend = "friend" : "Friend",
        /// A neighbour.
        Neighbour = "neighbour" : "Neighbour",
        /// Someone with lasting power of attorney.
        Attorney = "attorney" : "Lasting power of attorney",
        /// A court-appointed deputy.
        Deputy = "deputy" : "Court-appointed deputy",
        /// Anyone else.
        Other = "other" : "Other",
    }
);

coded!(
    /// Whether a key person could be an "appropriate person" to support and
    /// represent the person (Care Act s68): not paid or professionally engaged
    /// in their care, and the person agrees.
    AppropriatePerson {
        /// Could be an appropriate person.
        Yes = "yes" : "Yes",
        /// Could not (for example, is implicated in the concern).
        No = "no" : "No",
        /// Not yet considered.
        NotConsidered = "not_considered" : "Not yet considered",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for e in Ethnicity::ALL {
            assert_eq!(Ethnicity::parse(e.code()), Some(*e));
        }
        let mut codes: Vec<_> = Ethnicity::ALL.iter().map(|e| e.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Ethnicity::ALL.len());
        assert_eq!(Gender::parse("nonsense"), None);
    }

    #[test]
    fn ethnicity_maps_to_every_sg1c_group() {
        let mut groups: Vec<_> = Ethnicity::ALL.iter().map(|e| e.sac_sg1c()).collect();
        groups.sort();
        groups.dedup();
        assert_eq!(groups.len(), 7, "SG1c has seven groups: {groups:?}");
        assert_eq!(Ethnicity::AsianChinese.sac_sg1c(), "Asian / Asian British");
        assert_eq!(Ethnicity::Refused.sac_sg1c(), "Refused");
    }

    #[test]
    fn gender_maps_to_sg1b() {
        assert_eq!(Gender::Other.sac_sg1b(), "Not Known");
        assert_eq!(Gender::Female.sac_sg1b(), "Female");
    }
}

coded!(
    /// Type of risk: the SAC's 11 categories (SG2a), also offered to people
    /// raising a concern as "what kind of harm".
    RiskType {
        /// Physical Abuse.
        Physical = "physical" : "Physical Abuse",
        /// Sexual Abuse.
        Sexual = "sexual" : "Sexual Abuse",
        /// Psychological Abuse.
        Psychological = "psychological" : "Psychological Abuse",
        /// Financial or Material Abuse.
        Financial = "financial" : "Financial or Material Abuse",
        /// Discriminatory Abuse.
        Discriminatory = "discriminatory" : "Discriminatory Abuse",
        /// Organisational Abuse.
        Organisational = "organisational" : "Organisational Abuse",
        /// Neglect and Acts of Omission.
        Neglect = "neglect" : "Neglect and Acts of Omission",
        /// Domestic Abuse.
        Domestic = "domestic" : "Domestic Abuse",
        /// Sexual Exploitation.
        SexualExploitation = "sexual_exploitation" : "Sexual Exploitation",
        /// Modern Slavery.
        ModernSlavery = "modern_slavery" : "Modern Slavery",
        /// Self-Neglect.
        SelfNeglect = "self_neglect" : "Self-Neglect",
    }
);

coded!(
    /// Location of risk: the SAC's 9 categories (SG2b).
    LocationType {
        /// Own Home.
        OwnHome = "own_home" : "Own Home",
        /// In the Community.
        Community = "community" : "In the Community",
        /// Community Service.
        CommunityService = "community_service" : "Community Service",
        /// Care Home - Nursing.
        CareHomeNursing = "care_home_nursing" : "Care Home - Nursing",
        /// Care Home - Residential.
        CareHomeResidential = "care_home_residential" : "Care Home - Residential",
        /// Hospital - Acute.
        HospitalAcute = "hospital_acute" : "Hospital - Acute",
        /// Hospital - Mental Health.
        HospitalMentalHealth = "hospital_mental_health" : "Hospital - Mental Health",
        /// Hospital - Community.
        HospitalCommunity = "hospital_community" : "Hospital - Community",
        /// Other.
        Other = "other" : "Other",
    }
);

coded!(
    /// What kind of service a provider is.
    ProviderKind {
        /// Care home with nursing.
        CareHomeNursing = "care_home_nursing" : "Care home (nursing)",
        /// Residential care home.
        CareHomeResidential = "care_home_residential" : "Care home (residential)",
        /// Home-care agency.
        HomeCare = "home_care" : "Home-care agency",
        /// Supported living.
        SupportedLiving = "supported_living" : "Supported living",
        /// Day service.
        DayService = "day_service" : "Day service",
        /// Acute hospital ward.
        HospitalAcute = "hospital_acute" : "Hospital ward (acute)",
        /// Mental health hospital ward.
        HospitalMentalHealth = "hospital_mental_health" : "Hospital ward (mental health)",
        /// Community hospital ward.
        HospitalCommunity = "hospital_community" : "Hospital ward (community)",
        /// Anything else.
        Other = "other" : "Other service",
    }
);

impl ProviderKind {
    /// The SAC location a concern at this kind of service counts under.
    pub fn sac_location(self) -> LocationType {
        match self {
            ProviderKind::CareHomeNursing => LocationType::CareHomeNursing,
            ProviderKind::CareHomeResidential => LocationType::CareHomeResidential,
            ProviderKind::HospitalAcute => LocationType::HospitalAcute,
            ProviderKind::HospitalMentalHealth => LocationType::HospitalMentalHealth,
            ProviderKind::HospitalCommunity => LocationType::HospitalCommunity,
            ProviderKind::HomeCare | ProviderKind::SupportedLiving => LocationType::OwnHome,
            ProviderKind::DayService => LocationType::CommunityService,
            ProviderKind::Other => LocationType::Other,
        }
    }
}
