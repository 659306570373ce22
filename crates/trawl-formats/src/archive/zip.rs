//! zip archives: stored and deflated members, in the clear or encrypted
//! with ZipCrypto or AES.

use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use zip::result::ZipError;
use zip::ZipArchive;

use super::bounded::MAX_COMPRESSED_READ;
use super::{ArchiveError, ExtractError, MemberError, Walker};

/// The archive's bytes, with a count of the bytes read from them, so
/// that a member's ratio is checked against the compressed bytes read
/// so far rather than against the size its header declares.
struct Counted<'a> {
    cursor: Cursor<&'a [u8]>,
    read: Rc<Cell<u64>>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_COMPRESSED_READ);
        let read = self.cursor.read(buf.get_mut(..len).unwrap_or_default())?;
        let count = u64::try_from(read).unwrap_or(u64::MAX);
        self.read.set(self.read.get().saturating_add(count));
        Ok(read)
    }
}

impl Seek for Counted<'_> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.cursor.seek(position)
    }
}

type Archive<'a> = ZipArchive<Counted<'a>>;

/// The outcome of one attempt to read a member.
enum Attempt {
    /// Read to its end, or to a limit.
    Read(Vec<u8>, Option<MemberError>),
    /// Not read, with the reason.
    Failed(MemberError),
}

impl Walker<'_, '_> {
    pub(super) fn walk_zip(
        &mut self,
        bytes: &[u8],
        depth: u32,
    ) -> Result<(), ArchiveError> {
        let read = Rc::new(Cell::new(0));
        let counted =
            Counted { cursor: Cursor::new(bytes), read: Rc::clone(&read) };
        let mut archive = ZipArchive::new(counted)
            .map_err(|error| ArchiveError::Corrupt(error.to_string()))?;
        for index in 0..archive.len() {
            self.count_entry()?;
            let (name, encrypted, is_dir, is_symlink) =
                match archive.by_index_raw(index) {
                    Ok(file) => (
                        file.name().to_string(),
                        file.encrypted(),
                        file.is_dir(),
                        file.is_symlink(),
                    ),
                    Err(error) => {
                        return Err(ArchiveError::Corrupt(error.to_string()))
                    }
                };
            if is_dir {
                continue;
            }
            if is_symlink {
                self.skipped(name, "symbolic link".to_string());
                continue;
            }
            let attempt = if encrypted {
                self.read_encrypted(&mut archive, index, &read)
            } else {
                self.read_zip_member(&mut archive, index, None, &read)
            };
            match attempt {
                Attempt::Read(bytes, error) => {
                    self.member(name, &bytes, error, depth);
                }
                Attempt::Failed(error) => self.failed(name, error),
            }
            if let Some(limit) = self.stopped {
                return Err(ArchiveError::Limit(limit));
            }
        }
        Ok(())
    }

    /// Tries each password in order. A wrong ZipCrypto password passes
    /// the header check once in 256 tries and then fails on the data, so
    /// a data error moves on to the next password too, and is reported
    /// as a wrong password when no password works.
    fn read_encrypted(
        &mut self,
        archive: &mut Archive<'_>,
        index: usize,
        read: &Cell<u64>,
    ) -> Attempt {
        let passwords = self.options.passwords.clone();
        let aes = matches!(
            archive.get_aes_verification_key_and_salt(index),
            Ok(Some(_))
        );
        let max_aes_attempts = self.options.max_aes_attempts;
        for password in &passwords {
            if aes {
                if self.aes_attempts >= max_aes_attempts {
                    return Attempt::Failed(MemberError::AesAttempts(
                        max_aes_attempts,
                    ));
                }
                self.aes_attempts = self.aes_attempts.saturating_add(1);
            }
            let attempt =
                self.read_zip_member(archive, index, Some(password), read);
            match attempt {
                Attempt::Failed(MemberError::WrongPassword { .. })
                | Attempt::Read(_, Some(MemberError::Corrupt(_)))
                | Attempt::Failed(MemberError::Corrupt(_)) => {}
                done => return done,
            }
        }
        Attempt::Failed(MemberError::WrongPassword { tried: passwords.len() })
    }

    fn read_zip_member(
        &mut self,
        archive: &mut Archive<'_>,
        index: usize,
        password: Option<&[u8]>,
        read: &Cell<u64>,
    ) -> Attempt {
        // The count then includes the local header, which is small next
        // to any size the ratio limit applies to.
        read.set(0);
        let opened = match password {
            Some(password) => archive.by_index_decrypt(index, password),
            None => archive.by_index(index),
        };
        let mut file = match opened {
            Ok(file) => file,
            Err(error) => return Attempt::Failed(member_error(error)),
        };
        let (bytes, stopped) = self.extract(&mut file, Some(read));
        let error = stopped.map(|stopped| match stopped {
            ExtractError::Limit(limit) => MemberError::Limit(limit),
            ExtractError::Io(error) => MemberError::Corrupt(error.to_string()),
        });
        Attempt::Read(bytes, error)
    }
}

fn member_error(error: ZipError) -> MemberError {
    match error {
        ZipError::InvalidPassword => MemberError::WrongPassword { tried: 1 },
        ZipError::UnsupportedArchive(what) => {
            MemberError::Unsupported(what.to_string())
        }
        other => MemberError::Corrupt(other.to_string()),
    }
}
