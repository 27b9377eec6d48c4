//! ISO 7816-4 command and response APDUs: encoding of short and extended Lc/Le, parsing of
//! the status word, and the status words an eMRTD chip answers with.

use std::fmt;

/// Why a command could not be encoded or a response could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// More than 65 535 bytes of command data.
    #[error("command data of {len} bytes is too long for one APDU")]
    DataTooLong { len: usize },
    /// Ne outside 1..=65 536.
    #[error("expected response length {le} is outside 1..=65536")]
    BadLe { le: usize },
    /// A command whose length fields do not match its size.
    #[error("the command APDU's length fields do not match its size")]
    BadCommand,
    /// The chip's answer is shorter than the two status bytes.
    #[error("the chip's answer of {len} bytes has no status word")]
    NoStatusWord { len: usize },
}

/// A command APDU. `le` is Ne, the number of response bytes expected (256 for short
/// `Le = 00`, 65 536 for extended `Le = 0000`); `None` means no response data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

impl CommandApdu {
    /// A command with no data and no expected response.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), le: None }
    }

    /// Sets the command data.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets Ne.
    #[must_use]
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// The four header bytes.
    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// Whether this command needs extended length fields.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    /// Encodes the APDU, choosing short length fields when both Lc and Le fit.
    pub fn encode(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65_535 {
            return Err(ApduError::DataTooLong { len: self.data.len() });
        }
        if let Some(le) = self.le
            && !(1..=65_536).contains(&le)
        {
            return Err(ApduError::BadLe { le });
        }
        let extended = self.needs_extended();
        let mut out = Vec::with_capacity(self.data.len() + 9);
        out.extend_from_slice(&self.header());
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&len_u16(self.data.len()));
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&len_u16(le));
            } else {
                // 256 encodes as 00.
                out.push((le % 256) as u8);
            }
        }
        Ok(out)
    }
}

impl CommandApdu {
    /// Decodes a command APDU (short or extended); the chip side of [`CommandApdu::encode`].
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        let Some((&[cla, ins, p1, p2], body)) = raw.split_first_chunk::<4>() else {
            return Err(ApduError::BadCommand);
        };
        let mut cmd = Self::new(cla, ins, p1, p2);
        let short_le = |b: u8| if b == 0 { 256 } else { usize::from(b) };
        let ext = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => 65_536,
            n => usize::from(n),
        };
        match body {
            [] => {}
            [le] => cmd.le = Some(short_le(*le)),
            [0, hi, lo] => cmd.le = Some(ext(*hi, *lo)),
            [0, hi, lo, rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                let (data, tail) = rest.split_at_checked(lc).ok_or(ApduError::BadCommand)?;
                cmd.data = data.to_vec();
                match tail {
                    [] => {}
                    [hi, lo] => cmd.le = Some(ext(*hi, *lo)),
                    _ => return Err(ApduError::BadCommand),
                }
            }
            [lc, rest @ ..] => {
                let (data, tail) = rest.split_at_checked(usize::from(*lc)).ok_or(ApduError::BadCommand)?;
                cmd.data = data.to_vec();
                match tail {
                    [] => {}
                    [le] => cmd.le = Some(short_le(*le)),
                    _ => return Err(ApduError::BadCommand),
                }
            }
        }
        Ok(cmd)
    }
}

/// Big-endian two bytes; 65 536 wraps to 0000 as ISO 7816-4 wants for Le.
fn len_u16(len: usize) -> [u8; 2] {
    ((len % 65_536) as u16).to_be_bytes()
}

/// The encoding of Ne inside a DO97 (secure messaging): one byte if it fits short Le.
pub(crate) fn le_bytes(le: usize) -> Vec<u8> {
    if le <= 256 { vec![(le % 256) as u8] } else { len_u16(le).to_vec() }
}

/// A response APDU: the data and the status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl ResponseApdu {
    /// Splits a raw answer into data and SW1SW2.
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        let Some((data, &sw)) = raw.split_last_chunk::<2>() else {
            return Err(ApduError::NoStatusWord { len: raw.len() });
        };
        Ok(Self { data: data.to_vec(), sw: StatusWord(u16::from_be_bytes(sw)) })
    }

    /// The raw bytes: data followed by SW1SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

/// SW1SW2. The associated constants name the ones an eMRTD reader reacts to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: Self = Self(0x9000);
    /// End of file reached before reading Ne bytes (data is still returned).
    pub const END_OF_FILE: Self = Self(0x6282);
    /// Verification failed (wrong password in PACE / mutual authentication failed).
    pub const VERIFICATION_FAILED: Self = Self(0x6300);
    pub const WRONG_LENGTH: Self = Self(0x6700);
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    pub const AUTHENTICATION_BLOCKED: Self = Self(0x6983);
    pub const REFERENCE_DATA_NOT_USABLE: Self = Self(0x6984);
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    pub const SM_DATA_MISSING: Self = Self(0x6987);
    pub const SM_DATA_INCORRECT: Self = Self(0x6988);
    pub const WRONG_DATA: Self = Self(0x6A80);
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    pub const INCORRECT_P1P2: Self = Self(0x6A86);
    /// Lc inconsistent with P1-P2; Ukrainian cards answer it to SELECT MF.
    pub const LC_INCONSISTENT_WITH_P1P2: Self = Self(0x6A87);
    pub const REFERENCE_NOT_FOUND: Self = Self(0x6A88);
    pub const WRONG_P1P2: Self = Self(0x6B00);
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);

    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn sw2(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }

    /// `6Cxx`: wrong Le, the right one is xx (00 = 256).
    pub fn exact_length(self) -> Option<usize> {
        (self.sw1() == 0x6C).then(|| if self.sw2() == 0 { 256 } else { usize::from(self.sw2()) })
    }

    /// `63Cx`: verification failed, x tries left.
    pub fn retries_left(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then(|| self.sw2() & 0x0F)
    }

    /// Whether this answer means the access key (MRZ/CAN) was refused.
    pub fn is_access_refusal(self) -> bool {
        self == Self::VERIFICATION_FAILED
            || self == Self::SECURITY_STATUS_NOT_SATISFIED
            || self.retries_left().is_some()
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(apdu: &CommandApdu) -> String {
        hex::encode_upper(apdu.encode().expect("encodable"))
    }

    #[test]
    fn encodes_the_four_iso_cases_short_and_extended() {
        assert_eq!(hex(&CommandApdu::new(0, 0xA4, 0, 0x0C)), "00A4000C");
        assert_eq!(hex(&CommandApdu::new(0, 0x84, 0, 0).with_le(8)), "0084000008");
        assert_eq!(hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(256)), "00B0000000");
        assert_eq!(hex(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E])), "00A4020C02011E");
        assert_eq!(hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(65_536)), "00B00000000000");
        assert_eq!(hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(1000)), "00B000000003E8");
        let long = CommandApdu::new(0, 0x86, 0, 0).with_data(vec![0xAA; 300]).with_le(256);
        let bytes = long.encode().expect("encodable");
        assert_eq!(bytes[4..7], [0, 0x01, 0x2C]);
        assert_eq!(bytes[bytes.len() - 2..], [0x01, 0x00]);
    }

    #[test]
    fn decodes_what_it_encodes() {
        let cases = [
            CommandApdu::new(0, 0xA4, 0, 0x0C),
            CommandApdu::new(0, 0x84, 0, 0).with_le(8),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(256),
            CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
            CommandApdu::new(0x10, 0x86, 0, 0).with_data(vec![0x7C, 0]).with_le(256),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(65_536),
            CommandApdu::new(0, 0x86, 0, 0).with_data(vec![0xAA; 300]),
            CommandApdu::new(0, 0x86, 0, 0).with_data(vec![0xAA; 300]).with_le(1000),
        ];
        for cmd in cases {
            assert_eq!(CommandApdu::parse(&cmd.encode().expect("encodable")), Ok(cmd));
        }
        for bad in [&[0u8, 1, 2][..], &[0, 1, 2, 3, 5, 1], &[0, 1, 2, 3, 1, 9, 9, 9]] {
            assert_eq!(CommandApdu::parse(bad), Err(ApduError::BadCommand));
        }
    }

    #[test]
    fn rejects_what_cannot_be_encoded() {
        let big = CommandApdu::new(0, 0, 0, 0).with_data(vec![0; 65_536]);
        assert_eq!(big.encode(), Err(ApduError::DataTooLong { len: 65_536 }));
        assert_eq!(CommandApdu::new(0, 0, 0, 0).with_le(0).encode(), Err(ApduError::BadLe { le: 0 }));
    }

    #[test]
    fn parses_status_words() {
        assert_eq!(ResponseApdu::parse(&[0x90]), Err(ApduError::NoStatusWord { len: 1 }));
        let r = ResponseApdu::parse(&[1, 2, 0x6C, 0x10]).expect("parsable");
        assert_eq!(r.data, [1, 2]);
        assert_eq!(r.sw.exact_length(), Some(16));
        assert_eq!(StatusWord(0x63C2).retries_left(), Some(2));
        assert!(StatusWord(0x63C2).is_access_refusal());
        assert!(!StatusWord::FILE_NOT_FOUND.is_access_refusal());
        assert_eq!(r.to_bytes(), [1, 2, 0x6C, 0x10]);
    }
}
