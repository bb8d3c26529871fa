//! MD5 of several short messages at once, one message per lane: the same operation on eight
//! messages side by side compiles to SIMD instructions, where one message's MD5 is a chain
//! of 64 dependent steps that leaves most of the CPU idle. Ketama makes a million point
//! names for a 10,000-server ring, and `--hash md5` hashes every key: both are short
//! messages, a single MD5 block. Longer messages go to the `md-5` crate one by one.
//!
//! The algorithm is RFC 1321; the tests check every length against the `md-5` crate.

use super::md5_words;

pub const LANES: usize = 8;

/// Messages up to this long fit one block with their padding and length.
const ONE_BLOCK: usize = 55;

type Lanes = wide::u32x8;

/// RFC 1321's table: floor(abs(sin(i + 1)) * 2^32).
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// Left rotations of each round's four steps.
const SHIFTS: [[u32; 4]; 4] = [
    [7, 12, 17, 22],
    [5, 9, 14, 20],
    [4, 11, 16, 23],
    [6, 10, 15, 21],
];

const INIT: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/// The four little-endian digest words of each message (`md5_words`): `out[i]` for
/// `messages[i]`.
pub fn md5_words_batch(messages: &[&[u8]], out: &mut [[u32; 4]]) {
    for (group, out) in messages.chunks(LANES).zip(out.chunks_mut(LANES)) {
        let mut block = [[0u32; LANES]; 16];
        for (lane, message) in group.iter().enumerate() {
            if message.len() <= ONE_BLOCK {
                load(&mut block, lane, message);
            }
        }
        let digests = compress(&block.map(Lanes::new)).map(Lanes::to_array);
        for (lane, (message, out)) in group.iter().zip(out).enumerate() {
            *out = if message.len() <= ONE_BLOCK {
                std::array::from_fn(|word| digests[word][lane])
            } else {
                md5_words(message)
            };
        }
    }
}

/// Names hashed `LANES` at a time, for code that makes names one by one (ketama's point
/// names): each name's words are handed back in the order the names came, with its tag.
pub struct Md5Names<T> {
    name: Vec<u8>,
    bytes: Vec<u8>,
    /// Where each waiting name ends in `bytes`, and its tag.
    waiting: Vec<(usize, T)>,
}

impl<T: Copy> Md5Names<T> {
    pub fn new() -> Self {
        Md5Names {
            name: Vec::new(),
            bytes: Vec::new(),
            waiting: Vec::with_capacity(LANES),
        }
    }

    /// Adds the name `write` makes (into an empty buffer); `each` gets words when a full
    /// group is hashed.
    #[inline]
    pub fn push(
        &mut self,
        tag: T,
        write: impl FnOnce(&mut Vec<u8>),
        each: &mut impl FnMut(T, [u32; 4]),
    ) {
        self.name.clear();
        write(&mut self.name);
        self.bytes.extend_from_slice(&self.name);
        self.waiting.push((self.bytes.len(), tag));
        if self.waiting.len() == LANES {
            self.flush(each);
        }
    }

    /// Hashes the names still waiting.
    pub fn flush(&mut self, each: &mut impl FnMut(T, [u32; 4])) {
        let mut names: [&[u8]; LANES] = [&[]; LANES];
        let mut start = 0;
        for (name, &(end, _)) in names.iter_mut().zip(&self.waiting) {
            *name = &self.bytes[start..end];
            start = end;
        }
        let mut words = [[0; 4]; LANES];
        let count = self.waiting.len();
        md5_words_batch(&names[..count], &mut words[..count]);
        for (&(_, tag), words) in self.waiting.iter().zip(words) {
            each(tag, words);
        }
        self.waiting.clear();
        self.bytes.clear();
    }
}

impl<T: Copy> Default for Md5Names<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// twemproxy's `hash_md5` (`md5_le32`) of every key: the first digest word.
pub fn md5_le32_batch(keys: &[&[u8]], out: &mut [u32]) {
    let mut words = [[0; 4]; LANES];
    for (group, out) in keys.chunks(LANES).zip(out.chunks_mut(LANES)) {
        md5_words_batch(group, &mut words[..group.len()]);
        for (out, words) in out.iter_mut().zip(&words) {
            *out = words[0];
        }
    }
}

/// `message` with its padding and bit length as the lane's one block, word by word.
fn load(block: &mut [[u32; LANES]; 16], lane: usize, message: &[u8]) {
    let mut bytes = [0u8; 64];
    bytes[..message.len()].copy_from_slice(message);
    bytes[message.len()] = 0x80;
    bytes[56..].copy_from_slice(&(message.len() as u64 * 8).to_le_bytes());
    for (word, chunk) in block.iter_mut().zip(bytes.chunks_exact(4)) {
        word[lane] = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
    }
}

/// One MD5 block per lane from the initial state: the four state words per lane.
#[inline]
fn compress(m: &[Lanes; 16]) -> [Lanes; 4] {
    let mut state = INIT.map(Lanes::splat);
    round(&mut state, m, 0, |b, c, d| (b & c) | (!b & d), |step| step);
    round(
        &mut state,
        m,
        1,
        |b, c, d| (b & d) | (c & !d),
        |step| (5 * step + 1) % 16,
    );
    round(
        &mut state,
        m,
        2,
        |b, c, d| b ^ c ^ d,
        |step| (3 * step + 5) % 16,
    );
    round(
        &mut state,
        m,
        3,
        |b, c, d| c ^ (b | !d),
        |step| (7 * step) % 16,
    );
    std::array::from_fn(|w| state[w] + Lanes::splat(INIT[w]))
}

/// The 16 steps of one round, each on every lane. The steps are written out (not a loop)
/// so that each one's word, constant and rotation are constants: the lanes then compile to
/// vector instructions.
#[inline(always)]
fn round(
    state: &mut [Lanes; 4],
    m: &[Lanes; 16],
    round: usize,
    mix: impl Fn(Lanes, Lanes, Lanes) -> Lanes + Copy,
    word_of: impl Fn(usize) -> usize + Copy,
) {
    macro_rules! steps {
        ($($step:literal)*) => {
            $(step(state, m, round, $step, mix, word_of);)*
        };
    }
    steps!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
}

#[inline(always)]
fn step(
    state: &mut [Lanes; 4],
    m: &[Lanes; 16],
    round: usize,
    step: usize,
    mix: impl Fn(Lanes, Lanes, Lanes) -> Lanes,
    word_of: impl Fn(usize) -> usize,
) {
    let [a, b, c, d] = *state;
    let (k, word, shift) = (
        K[round * 16 + step],
        m[word_of(step)],
        SHIFTS[round][step % 4],
    );
    let sum = a + mix(b, c, d) + Lanes::splat(k) + word;
    let rotated = b + ((sum << shift) | (sum >> (32 - shift)));
    *state = [d, rotated, b, c];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_and_group_size_matches_md5() {
        let messages: Vec<Vec<u8>> = (0..130usize)
            .map(|len| (0..len).map(|i| (i * 131 + len * 7) as u8).collect())
            .collect();
        let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let expected: Vec<[u32; 4]> = messages.iter().map(|m| md5_words(m)).collect();
        let mut out = vec![[0; 4]; messages.len()];
        md5_words_batch(&messages, &mut out);
        assert_eq!(out, expected);
        let mut first = vec![0; messages.len()];
        md5_le32_batch(&messages, &mut first);
        assert!(first.iter().zip(&expected).all(|(f, e)| *f == e[0]));
        let mut names = Md5Names::new();
        let mut named = Vec::new();
        for (tag, message) in messages.iter().enumerate() {
            names.push(
                tag,
                |name| name.extend_from_slice(message),
                &mut |tag, words| named.push((tag, words)),
            );
        }
        names.flush(&mut |tag, words| named.push((tag, words)));
        assert_eq!(
            named,
            expected.iter().copied().enumerate().collect::<Vec<_>>()
        );
        for size in [0, 1, 7, 8, 9, 17] {
            let mut out = vec![[0; 4]; size];
            md5_words_batch(&messages[50..50 + size], &mut out);
            assert_eq!(out, expected[50..50 + size]);
        }
    }
}
