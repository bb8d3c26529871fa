//! Node colours: Tableau 10 (its grey swapped for a teal, so grey can mean "no owner"), then
//! the same ten hues darker and lighter. A node's colour follows its position in the node
//! list, so one pool shows the same colours in every chart.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Colour {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

const BASE: [Colour; 10] = [
    rgb(0x4e79a7),
    rgb(0xf28e2b),
    rgb(0xe15759),
    rgb(0x76b7b2),
    rgb(0x59a14f),
    rgb(0xedc948),
    rgb(0xb07aa1),
    rgb(0xff9da7),
    rgb(0x9c755f),
    rgb(0x499894),
];

/// How each round of ten after the first changes the hues: toward black (negative) or
/// white (positive). Past these the colours repeat.
const ROUNDS: [f64; 5] = [0.0, -0.35, 0.4, -0.6, 0.65];

/// Hash space or keys that no node serves (unassigned slots, unavailable keys).
pub const NO_OWNER: Colour = rgb(0xc8c8c8);

const fn rgb(hex: u32) -> Colour {
    Colour {
        r: (hex >> 16) as u8,
        g: (hex >> 8) as u8,
        b: hex as u8,
    }
}

/// The colour of the node at `index` in the node list.
pub fn node_colour(index: usize) -> Colour {
    let base = BASE[index % BASE.len()];
    let round = ROUNDS[(index / BASE.len()) % ROUNDS.len()];
    base.toward(round)
}

impl Colour {
    /// Mixed toward white (`amount` > 0) or black (`amount` < 0); `amount` in [-1, 1].
    pub fn toward(self, amount: f64) -> Colour {
        let (target, amount) = if amount >= 0.0 {
            (255.0, amount)
        } else {
            (0.0, -amount)
        };
        let mix = |c: u8| (f64::from(c) + (target - f64::from(c)) * amount).round() as u8;
        Colour {
            r: mix(self.r),
            g: mix(self.g),
            b: mix(self.b),
        }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_nodes_get_fifty_colours_then_they_repeat() {
        let colours: std::collections::HashSet<Colour> = (0..50).map(node_colour).collect();
        assert_eq!(colours.len(), 50);
        assert!(!colours.contains(&NO_OWNER));
        assert_eq!(node_colour(50), node_colour(0));
        assert_eq!(node_colour(0).to_string(), "#4e79a7");
    }
}
