//! The text → code lookup of a categorical column being built. Each distinct text is kept once,
//! in the column's dictionary; the lookup holds only a 64-bit hash of it. Keeping the text as a
//! key too doubled the memory of a log of free text (a conversation log's outputs: every one
//! distinct).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// Codes by the hash of their text, and by text for the rare text whose hash another text took.
#[derive(Default)]
pub(super) struct Interner {
    /// Seeded per process, so texts cannot be chosen to collide.
    hasher: foldhash::fast::RandomState,
    by_hash: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    collided: HashMap<String, u32>,
}

impl Interner {
    /// The code of `text`, added to `dictionary` the first time it is met.
    pub(super) fn intern(&mut self, dictionary: &mut Vec<String>, text: &str) -> u32 {
        let add = |dictionary: &mut Vec<String>| {
            let code = dictionary.len() as u32;
            dictionary.push(text.to_string());
            code
        };
        match self.by_hash.entry(self.hasher.hash_one(text)) {
            Entry::Vacant(slot) => *slot.insert(add(dictionary)),
            Entry::Occupied(slot) if dictionary[*slot.get() as usize] == text => *slot.get(),
            Entry::Occupied(_) => match self.collided.get(text) {
                Some(&code) => code,
                None => {
                    let code = add(dictionary);
                    self.collided.insert(text.to_string(), code);
                    code
                }
            },
        }
    }
}

/// The keys are hashes already: hashing them again would only cost time.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in rather than lose it.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_first_appearance_and_repeat() {
        let (mut interner, mut dictionary) = (Interner::default(), Vec::new());
        let codes: Vec<u32> = ["b", "a", "b", "c", "a"]
            .iter()
            .map(|text| interner.intern(&mut dictionary, text))
            .collect();
        assert_eq!(codes, [0, 1, 0, 2, 1]);
        assert_eq!(dictionary, ["b", "a", "c"]);
    }

    #[test]
    fn texts_whose_hashes_collide_keep_their_own_codes() {
        let (mut interner, mut dictionary) = (Interner::default(), Vec::new());
        let first = interner.intern(&mut dictionary, "first");
        // Force a collision: "second" finds the slot of "first" taken.
        let hash = interner.hasher.hash_one("second");
        interner.by_hash.insert(hash, first);
        let second = interner.intern(&mut dictionary, "second");
        assert_ne!(first, second);
        assert_eq!(interner.intern(&mut dictionary, "second"), second);
        assert_eq!(interner.intern(&mut dictionary, "first"), first);
        assert_eq!(dictionary, ["first", "second"]);
    }
}
