//! The `Context:` of a file-transfer INVITE: base64 of a little-endian structure naming
//! the file and its size [reference §9.3; SDK FileContext; PURPLE `MsnFileContext`,
//! got_sessionreq; ESC-CAP].

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::ContextError;

/// The most UTF-16 code units of a file name: the structure's name field is 260 units
/// (Windows' `MAX_PATH`) [PURPLE `MAX_FILE_NAME_LEN`].
pub const MAX_FILE_NAME_UNITS: usize = 260;

/// Where the name field starts: after length, version, size and type.
const NAME_AT: usize = 20;
/// The name field and the 30 bytes PURPLE calls `unknown1`, all zero when unused; the
/// SDK writes them as one 550-byte field.
const NAME_FIELD_LEN: usize = 550;
/// Version 2's length: fixed part, name field, then `FF FF FF FF` [SDK; PURPLE].
const V2_LEN: usize = NAME_AT + NAME_FIELD_LEN + 4;
/// Version 3's length as the official client sends it [ESC-CAP; PURPLE accepts it].
const V3_LEN: usize = 638;

/// Clients differ on padding; accept either, write it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The file a transfer INVITE offers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FileContext {
    /// Structure version: 2 (574 bytes, SDK) or 3 (638 bytes, the official client).
    pub version: u32,
    /// The file's size in bytes.
    pub size: u64,
    /// The transfer type: [`FileContext::NO_PREVIEW`], or another value as sent.
    pub transfer_type: u32,
    /// The file name, without any path.
    pub name: String,
}

impl FileContext {
    /// The transfer type of a file sent without a preview image.
    pub const NO_PREVIEW: u32 = 1;

    /// A version-2 context for a file without preview, as the SDK sends.
    pub fn new(name: impl Into<String>, size: u64) -> Self {
        FileContext {
            version: 2,
            size,
            transfer_type: FileContext::NO_PREVIEW,
            name: name.into(),
        }
    }

    /// Reads the structure from the `Context:` value (base64).
    pub fn from_base64(context: &str) -> Result<Self, ContextError> {
        let bytes = BASE64.decode(context.trim()).map_err(|_| ContextError::Base64)?;
        Self::decode(&bytes)
    }

    /// Reads the structure from its bytes. Bytes past the structure's own length (a
    /// preview image, PURPLE) are ignored.
    pub fn decode(bytes: &[u8]) -> Result<Self, ContextError> {
        let short = || ContextError::TooShort { len: bytes.len() };
        let fixed = bytes.first_chunk::<NAME_AT>().ok_or_else(short)?;
        let u32_at = |i: usize| u32::from_le_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let length = u32_at(0);
        let version = u32_at(4);
        let size = u64::from(u32_at(8)) | (u64::from(u32_at(12)) << 32);
        let transfer_type = u32_at(16);
        let supported = match version {
            2 => usize::try_from(length).is_ok_and(|l| l >= V2_LEN),
            3 => usize::try_from(length).is_ok_and(|l| l == V3_LEN),
            _ => false,
        };
        if !supported {
            return Err(ContextError::Unsupported { version, length });
        }
        let length = usize::try_from(length).map_err(|_| short())?;
        if bytes.len() < length {
            return Err(short());
        }
        let field = &bytes[NAME_AT..NAME_AT + 2 * MAX_FILE_NAME_UNITS];
        let units = field
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .take_while(|&unit| unit != 0);
        let name: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|_| ContextError::InvalidName)?;
        Ok(FileContext {
            version,
            size,
            transfer_type,
            name,
        })
    }

    /// The structure's bytes: 574 for version 2, 638 for version 3.
    pub fn encode(&self) -> Result<Vec<u8>, ContextError> {
        let length = match self.version {
            2 => V2_LEN,
            3 => V3_LEN,
            version => {
                return Err(ContextError::Unsupported { version, length: 0 });
            }
        };
        let units = self.name.encode_utf16().count();
        if units > MAX_FILE_NAME_UNITS {
            return Err(ContextError::NameTooLong {
                units,
                max: MAX_FILE_NAME_UNITS,
            });
        }
        // A NUL would end the name early for every reader.
        if self.name.contains('\0') {
            return Err(ContextError::InvalidName);
        }
        let mut out = Vec::with_capacity(length);
        // The lengths are constants well inside u32.
        out.extend_from_slice(&(length as u32).to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.transfer_type.to_le_bytes());
        for unit in self.name.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out.resize(NAME_AT + NAME_FIELD_LEN, 0);
        out.extend_from_slice(&[0xFF; 4]);
        out.resize(length, 0);
        Ok(out)
    }

    /// The `Context:` value: base64 of [`FileContext::encode`].
    pub fn to_base64(&self) -> Result<String, ContextError> {
        Ok(BASE64.encode(self.encode()?))
    }
}
