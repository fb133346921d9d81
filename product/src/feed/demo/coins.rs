//! The demo's coins: well-known names with magnitudes like the real market's (price in US
//! dollars around which the demo's prices move, circulating and maximum supply), and a few
//! thousand invented ones below them, so the demo fills a ranked listing of 1,000 and has a
//! long tail to search. Not live data.

use std::sync::LazyLock;

pub struct DemoCoin {
    pub id: &'static str,
    pub symbol: &'static str,
    pub name: &'static str,
    pub base_price: f64,
    pub circulating: f64,
    pub max_supply: Option<f64>,
    /// Pegged to the dollar: its price barely moves.
    pub stable: bool,
    /// A wrapped or staked form of another coin, whose price it follows.
    pub tracks: Option<&'static str>,
}

const fn coin(
    id: &'static str,
    symbol: &'static str,
    name: &'static str,
    base_price: f64,
    circulating: f64,
    max_supply: Option<f64>,
) -> DemoCoin {
    DemoCoin {
        id,
        symbol,
        name,
        base_price,
        circulating,
        max_supply,
        stable: false,
        tracks: None,
    }
}

const fn tracking(
    id: &'static str,
    symbol: &'static str,
    name: &'static str,
    of: &'static DemoCoin,
    circulating: f64,
) -> DemoCoin {
    DemoCoin {
        id,
        symbol,
        name,
        base_price: of.base_price,
        circulating,
        max_supply: None,
        stable: false,
        tracks: Some(of.id),
    }
}

const fn stable(
    id: &'static str,
    symbol: &'static str,
    name: &'static str,
    circulating: f64,
) -> DemoCoin {
    DemoCoin {
        id,
        symbol,
        name,
        base_price: 1.0,
        circulating,
        max_supply: None,
        stable: true,
        tracks: None,
    }
}

const B: f64 = 1e9;
const M: f64 = 1e6;
const T: f64 = 1e12;

const BITCOIN: DemoCoin = coin(
    "bitcoin",
    "btc",
    "Bitcoin",
    95_000.0,
    19.8 * M,
    Some(21.0 * M),
);
const ETHEREUM: DemoCoin = coin("ethereum", "eth", "Ethereum", 3_400.0, 120.5 * M, None);

pub const COINS: &[DemoCoin] = &[
    BITCOIN,
    ETHEREUM,
    stable("tether", "usdt", "Tether", 140.0 * B),
    coin("ripple", "xrp", "XRP", 2.3, 57.0 * B, Some(100.0 * B)),
    coin(
        "binancecoin",
        "bnb",
        "BNB",
        650.0,
        145.0 * M,
        Some(200.0 * M),
    ),
    coin("solana", "sol", "Solana", 190.0, 480.0 * M, None),
    stable("usd-coin", "usdc", "USDC", 44.0 * B),
    coin("dogecoin", "doge", "Dogecoin", 0.32, 147.0 * B, None),
    coin("cardano", "ada", "Cardano", 0.9, 35.5 * B, Some(45.0 * B)),
    coin("tron", "trx", "TRON", 0.24, 86.0 * B, None),
    tracking(
        "staked-ether",
        "steth",
        "Lido Staked Ether",
        &ETHEREUM,
        9.5 * M,
    ),
    coin(
        "chainlink",
        "link",
        "Chainlink",
        22.0,
        630.0 * M,
        Some(1.0 * B),
    ),
    coin(
        "avalanche-2",
        "avax",
        "Avalanche",
        38.0,
        410.0 * M,
        Some(720.0 * M),
    ),
    tracking(
        "wrapped-bitcoin",
        "wbtc",
        "Wrapped Bitcoin",
        &BITCOIN,
        0.14 * M,
    ),
    coin("stellar", "xlm", "Stellar", 0.42, 30.0 * B, Some(50.0 * B)),
    coin("sui", "sui", "Sui", 4.2, 2.9 * B, Some(10.0 * B)),
    coin("the-open-network", "ton", "Toncoin", 5.3, 2.5 * B, None),
    coin("shiba-inu", "shib", "Shiba Inu", 0.000_022, 589.0 * T, None),
    coin(
        "hedera-hashgraph",
        "hbar",
        "Hedera",
        0.28,
        38.0 * B,
        Some(50.0 * B),
    ),
    coin("polkadot", "dot", "Polkadot", 7.5, 1.5 * B, None),
    coin(
        "bitcoin-cash",
        "bch",
        "Bitcoin Cash",
        450.0,
        19.8 * M,
        Some(21.0 * M),
    ),
    coin(
        "litecoin",
        "ltc",
        "Litecoin",
        105.0,
        75.0 * M,
        Some(84.0 * M),
    ),
    coin("uniswap", "uni", "Uniswap", 13.0, 600.0 * M, Some(1.0 * B)),
    coin("leo-token", "leo", "LEO Token", 9.0, 925.0 * M, None),
    coin(
        "pepe",
        "pepe",
        "Pepe",
        0.000_018,
        420.0 * T,
        Some(420.69 * T),
    ),
    coin("near", "near", "NEAR Protocol", 5.2, 1.2 * B, None),
    stable("dai", "dai", "Dai", 5.3 * B),
    coin("aptos", "apt", "Aptos", 9.5, 560.0 * M, None),
    coin(
        "internet-computer",
        "icp",
        "Internet Computer",
        10.5,
        475.0 * M,
        None,
    ),
    coin(
        "ethereum-classic",
        "etc",
        "Ethereum Classic",
        27.0,
        150.0 * M,
        Some(210.7 * M),
    ),
    coin("monero", "xmr", "Monero", 200.0, 18.4 * M, None),
    coin(
        "render-token",
        "render",
        "Render",
        7.0,
        517.0 * M,
        Some(644.0 * M),
    ),
    coin(
        "crypto-com-chain",
        "cro",
        "Cronos",
        0.15,
        27.0 * B,
        Some(30.0 * B),
    ),
    coin(
        "polygon-ecosystem-token",
        "pol",
        "POL (ex-MATIC)",
        0.5,
        7.8 * B,
        None,
    ),
    coin("kaspa", "kas", "Kaspa", 0.12, 25.5 * B, Some(28.7 * B)),
    coin("vechain", "vet", "VeChain", 0.045, 81.0 * B, Some(86.7 * B)),
    coin("arbitrum", "arb", "Arbitrum", 0.8, 4.3 * B, Some(10.0 * B)),
    coin(
        "filecoin",
        "fil",
        "Filecoin",
        5.2,
        600.0 * M,
        Some(1.96 * B),
    ),
    coin("cosmos", "atom", "Cosmos Hub", 6.8, 390.0 * M, None),
    coin(
        "algorand",
        "algo",
        "Algorand",
        0.38,
        8.3 * B,
        Some(10.0 * B),
    ),
    coin("mantle", "mnt", "Mantle", 1.1, 3.3 * B, None),
    coin("optimism", "op", "Optimism", 2.0, 1.3 * B, Some(4.29 * B)),
    coin("blockstack", "stx", "Stacks", 1.7, 1.5 * B, Some(1.818 * B)),
    coin(
        "injective-protocol",
        "inj",
        "Injective",
        24.0,
        97.0 * M,
        Some(100.0 * M),
    ),
    coin(
        "immutable-x",
        "imx",
        "Immutable",
        1.4,
        1.7 * B,
        Some(2.0 * B),
    ),
    coin("fantom", "ftm", "Fantom", 0.7, 2.8 * B, Some(3.175 * B)),
    coin(
        "the-graph",
        "grt",
        "The Graph",
        0.2,
        9.5 * B,
        Some(10.8 * B),
    ),
    coin(
        "bittensor",
        "tao",
        "Bittensor",
        450.0,
        7.4 * M,
        Some(21.0 * M),
    ),
    coin(
        "theta-token",
        "theta",
        "Theta Network",
        1.9,
        1.0 * B,
        Some(1.0 * B),
    ),
    coin("maker", "mkr", "Maker", 1_500.0, 0.88 * M, Some(1.005 * M)),
    coin("aave", "aave", "Aave", 300.0, 15.0 * M, Some(16.0 * M)),
    coin("lido-dao", "ldo", "Lido DAO", 1.8, 900.0 * M, Some(1.0 * B)),
    coin("bonk", "bonk", "Bonk", 0.000_028, 77.0 * T, None),
    coin("floki", "floki", "FLOKI", 0.000_17, 9.6 * T, Some(10.0 * T)),
    coin(
        "the-sandbox",
        "sand",
        "The Sandbox",
        0.55,
        2.4 * B,
        Some(3.0 * B),
    ),
    coin(
        "decentraland",
        "mana",
        "Decentraland",
        0.5,
        1.9 * B,
        Some(2.19 * B),
    ),
    coin(
        "axie-infinity",
        "axs",
        "Axie Infinity",
        6.5,
        155.0 * M,
        Some(270.0 * M),
    ),
    coin("eos", "eos", "EOS", 0.8, 1.5 * B, None),
    coin("tezos", "xtz", "Tezos", 1.2, 1.0 * B, None),
    coin("flow", "flow", "Flow", 0.8, 1.55 * B, None),
    coin(
        "elrond-erd-2",
        "egld",
        "MultiversX",
        30.0,
        27.0 * M,
        Some(31.4 * M),
    ),
    coin("neo", "neo", "NEO", 13.0, 70.0 * M, Some(100.0 * M)),
    coin("kucoin-shares", "kcs", "KuCoin", 11.0, 120.0 * M, None),
    coin("iota", "iota", "IOTA", 0.3, 3.5 * B, None),
    coin(
        "quant-network",
        "qnt",
        "Quant",
        100.0,
        14.5 * M,
        Some(14.6 * M),
    ),
    coin("chiliz", "chz", "Chiliz", 0.09, 8.8 * B, Some(8.89 * B)),
    coin(
        "curve-dao-token",
        "crv",
        "Curve DAO",
        0.9,
        1.2 * B,
        Some(3.03 * B),
    ),
    coin(
        "pancakeswap-token",
        "cake",
        "PancakeSwap",
        2.4,
        280.0 * M,
        Some(450.0 * M),
    ),
    coin("gala", "gala", "GALA", 0.035, 38.0 * B, Some(50.0 * B)),
    coin("zcash", "zec", "Zcash", 50.0, 16.3 * M, Some(21.0 * M)),
    coin("dash", "dash", "Dash", 35.0, 12.0 * M, Some(18.9 * M)),
    coin("kava", "kava", "Kava", 0.45, 1.08 * B, None),
    coin(
        "mina-protocol",
        "mina",
        "Mina Protocol",
        0.6,
        1.18 * B,
        None,
    ),
    coin("sei-network", "sei", "Sei", 0.45, 4.1 * B, Some(10.0 * B)),
    coin("celestia", "tia", "Celestia", 5.5, 450.0 * M, None),
    coin(
        "jupiter-exchange-solana",
        "jup",
        "Jupiter",
        0.9,
        1.35 * B,
        Some(10.0 * B),
    ),
    coin(
        "worldcoin-wld",
        "wld",
        "Worldcoin",
        2.3,
        700.0 * M,
        Some(10.0 * B),
    ),
    coin(
        "pyth-network",
        "pyth",
        "Pyth Network",
        0.4,
        3.6 * B,
        Some(10.0 * B),
    ),
    coin("ondo-finance", "ondo", "Ondo", 1.3, 1.4 * B, Some(10.0 * B)),
    coin("ethena", "ena", "Ethena", 0.9, 3.0 * B, Some(15.0 * B)),
    coin(
        "thorchain",
        "rune",
        "THORChain",
        5.0,
        340.0 * M,
        Some(500.0 * M),
    ),
    coin("conflux-token", "cfx", "Conflux", 0.17, 4.8 * B, None),
    coin("1inch", "1inch", "1inch", 0.45, 1.4 * B, Some(1.5 * B)),
    coin(
        "compound-governance-token",
        "comp",
        "Compound",
        80.0,
        8.8 * M,
        Some(10.0 * M),
    ),
    coin("havven", "snx", "Synthetix", 2.5, 340.0 * M, None),
    coin(
        "basic-attention-token",
        "bat",
        "Basic Attention",
        0.25,
        1.5 * B,
        Some(1.5 * B),
    ),
    coin("zilliqa", "zil", "Zilliqa", 0.023, 19.0 * B, Some(21.0 * B)),
    coin(
        "enjincoin",
        "enj",
        "Enjin Coin",
        0.3,
        1.8 * B,
        Some(2.0 * B),
    ),
    coin("loopring", "lrc", "Loopring", 0.2, 1.37 * B, Some(1.37 * B)),
    coin("ecash", "xec", "eCash", 0.000_035, 19.7 * T, Some(21.0 * T)),
    coin("helium", "hnt", "Helium", 6.5, 170.0 * M, Some(223.0 * M)),
    coin("arweave", "ar", "Arweave", 18.0, 65.6 * M, Some(66.0 * M)),
    coin("gmx", "gmx", "GMX", 25.0, 10.0 * M, Some(13.25 * M)),
    coin(
        "ravencoin",
        "rvn",
        "Ravencoin",
        0.022,
        14.5 * B,
        Some(21.0 * B),
    ),
    coin(
        "nervos-network",
        "ckb",
        "Nervos Network",
        0.015,
        45.0 * B,
        None,
    ),
    coin("holotoken", "hot", "Holo", 0.0022, 173.0 * B, None),
    coin(
        "trust-wallet-token",
        "twt",
        "Trust Wallet",
        1.1,
        416.0 * M,
        Some(1.0 * B),
    ),
    stable("first-digital-usd", "fdusd", "First Digital USD", 2.0 * B),
    coin(
        "frax-share",
        "fxs",
        "Frax Share",
        3.2,
        88.0 * M,
        Some(100.0 * M),
    ),
    coin("wemix-token", "wemix", "WEMIX", 0.9, 380.0 * M, None),
];

/// Invented coins after the well-known ones: enough for the ranked 1,000 and a long tail.
const INVENTED: usize = 3_000;

/// Every demo coin: the well-known ones, then the invented ones in falling market cap.
pub fn all() -> &'static [DemoCoin] {
    static ALL: LazyLock<Vec<DemoCoin>> = LazyLock::new(|| {
        let mut all: Vec<DemoCoin> = COINS.iter().map(DemoCoin::copy).collect();
        all.extend(invented(INVENTED));
        all
    });
    &ALL
}

impl DemoCoin {
    fn copy(&self) -> Self {
        Self {
            id: self.id,
            symbol: self.symbol,
            name: self.name,
            base_price: self.base_price,
            circulating: self.circulating,
            max_supply: self.max_supply,
            stable: self.stable,
            tracks: self.tracks,
        }
    }
}

/// `count` invented coins, the same every time: names from syllables, market caps falling
/// from below the smallest well-known coin's, prices from a millionth of a dollar to a hundred.
fn invented(count: usize) -> Vec<DemoCoin> {
    const FIRST: [&str; 26] = [
        "Aur", "Bel", "Cor", "Dra", "Eld", "Fen", "Gal", "Hex", "Ion", "Jun", "Kai", "Lum", "Mor",
        "Nex", "Orb", "Pyr", "Qua", "Rin", "Sol", "Tal", "Umb", "Vex", "Wyn", "Xel", "Yor", "Zen",
    ];
    const MIDDLE: [&str; 8] = ["a", "ix", "on", "ar", "um", "is", "o", "ex"];
    const KIND: [&str; 10] = [
        "Coin", "Token", "Protocol", "Network", "Finance", "Chain", "Swap", "DAO", "AI", "Labs",
    ];
    let mut seen = std::collections::HashSet::new();
    let mut coins = Vec::with_capacity(count);
    let mut n: u64 = 0;
    while coins.len() < count {
        n += 1;
        let pick = |k: u64, len: usize| (super::mix(0xC01D, n * 8 + k) % len as u64) as usize;
        let stem = format!(
            "{}{}",
            FIRST[pick(1, FIRST.len())],
            MIDDLE[pick(2, MIDDLE.len())]
        );
        let kind = KIND[pick(3, KIND.len())];
        let name = format!("{stem} {kind}");
        let id = name.to_lowercase().replace(' ', "-");
        if !seen.insert(id.clone()) {
            // A repeated name gets a number, as real lists have ("… 2.0").
            let name = format!("{name} {}", 2 + n % 7);
            let id = name.to_lowercase().replace([' ', '.'], "-");
            if !seen.insert(id.clone()) {
                continue;
            }
            coins.push(invented_coin(id, &stem, name, coins.len(), n));
            continue;
        }
        coins.push(invented_coin(id, &stem, name, coins.len(), n));
    }
    coins
}

fn invented_coin(id: String, stem: &str, name: String, index: usize, n: u64) -> DemoCoin {
    let cap = 300.0 * M * 0.997f64.powi(i32::try_from(index).unwrap_or(i32::MAX));
    let price = 10f64.powf(-6.0 + 8.0 * super::unit(0xC01D, n));
    let symbol = stem.to_lowercase();
    DemoCoin {
        id: leak(id),
        symbol: leak(symbol),
        name: leak(name),
        base_price: price,
        circulating: cap / price,
        max_supply: None,
        stable: false,
        tracks: None,
    }
}

/// The invented names live as long as the process, in the one table built at first use.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::CoinId;

    #[test]
    fn thousands_of_distinct_valid_coins_the_same_every_time() {
        let all = all();
        assert_eq!(all.len(), COINS.len() + INVENTED);
        let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "an id appears twice");
        assert!(all.iter().all(|c| CoinId::parse(c.id).is_ok()));
        let again = invented(INVENTED);
        assert_eq!(again[0].id, all[COINS.len()].id);
        assert_eq!(again[2_999].name, all[COINS.len() + 2_999].name);
    }

    #[test]
    fn about_a_hundred_distinct_valid_coins() {
        assert!((95..=110).contains(&COINS.len()), "{}", COINS.len());
        let mut ids: Vec<&str> = COINS.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), COINS.len(), "an id appears twice");
        for c in COINS {
            assert!(CoinId::parse(c.id).is_ok(), "{}", c.id);
            assert!(c.base_price > 0.0 && c.circulating > 0.0);
            assert!(c.max_supply.is_none_or(|m| m >= c.circulating), "{}", c.id);
        }
    }
}
