//! CRC-16/XMODEM, plain and as twemproxy 0.5.0 computes it (`nc_crc16.c : hash_crc16`).
//!
//! twemproxy keeps the running CRC in a `uint32_t` and never masks it back to 16 bits, so the
//! bits shifted out at the top pile up in bits 16..31 and are returned too. The low 16 bits
//! are still standard CRC-16/XMODEM (what Redis Cluster uses for slots).

use crc::{CRC_16_XMODEM, Crc};

const XMODEM: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The MSB-first CRC-16 table for polynomial 0x1021 (the table in `nc_crc16.c` and Redis'
/// `crc16.c`), built at compile time.
const T16: [u16; 256] = xmodem_table();

const fn xmodem_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// twemproxy's `crc16`: XMODEM with an unmasked 32-bit state.
#[inline]
pub fn crc16_twemproxy(key: &[u8]) -> u32 {
    let mut c: u32 = 0;
    for &b in key {
        // The index is masked to a byte, so twemproxy's signed `char` makes no difference here.
        c = (c << 8) ^ u32::from(T16[((c >> 8) ^ u32::from(b)) as usize & 0xff]);
    }
    c
}

/// Standard CRC-16/XMODEM (Redis Cluster's `crc16`).
#[inline]
pub fn crc16_xmodem(key: &[u8]) -> u16 {
    XMODEM.checksum(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twemproxy_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_crc16.c, hash_crc16(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(crc16_twemproxy(b"123456789"), 0x869031c3);
        assert_eq!(crc16_twemproxy(b"foo"), 0x0c3caf96);
        assert_eq!(crc16_twemproxy(b"a"), 0x00007c87);
        assert_eq!(crc16_twemproxy(b"hello world"), 0xf2063be4);
        assert_eq!(crc16_twemproxy(&[0xff, 0x80, 0x7a]), 0x1e920b26);
        assert_eq!(crc16_twemproxy(b""), 0);
    }

    #[test]
    fn xmodem_vectors() {
        // CRC catalogue check value; slots from CLUSTER KEYSLOT on redis-server 7.0.15
        // (src/cluster.c, keyHashSlot()).
        assert_eq!(crc16_xmodem(b"123456789"), 0x31c3);
        assert_eq!(crc16_xmodem(b"123456789") & 0x3fff, 12739);
        assert_eq!(crc16_xmodem(b"foo") & 0x3fff, 12182);
        assert_eq!(crc16_xmodem(b""), 0);
    }

    #[test]
    fn table_matches_the_published_one() {
        // First and last entries of the table printed in twemproxy's nc_crc16.c / Redis' crc16.c.
        assert_eq!(
            &T16[..8],
            &[
                0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7
            ]
        );
        assert_eq!(
            &T16[248..],
            &[
                0x6e17, 0x7e36, 0x4e55, 0x5e74, 0x2e93, 0x3eb2, 0x0ed1, 0x1ef0
            ]
        );
    }

    #[test]
    fn low_half_is_xmodem() {
        let keys: [&[u8]; 6] = [
            b"",
            b"a",
            b"foo",
            b"123456789",
            b"hello world",
            &[0xff, 0x80, 0x7a],
        ];
        for key in keys {
            assert_eq!(crc16_twemproxy(key) as u16, crc16_xmodem(key), "{key:?}");
        }
        let long: Vec<u8> = (0..=255).collect();
        assert_eq!(crc16_twemproxy(&long) as u16, crc16_xmodem(&long));
    }
}
