//! Reading CoinGecko's answers, tolerant of what the real API and the network do: `null` in
//! any number, missing optional fields, numbers in exponent form or as strings, `roi` as an
//! object or null, tiny prices, an error object where a list was expected, an HTML page from
//! a proxy, and a truncated body. A coin that cannot be read is skipped and logged; the rest
//! are kept.

use crate::feed::FetchError;
use crate::market::{
    Coin, CoinId, ExchangeRates, Extreme, GlobalFigures, GlobalScope, ListedCoin, MarketData,
    PricePoint, Series,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use shared_ui::Currency;

/// Longest name and symbol kept; upstream strings are not ours to trust.
const MAX_NAME_CHARS: usize = 80;
const MAX_SYMBOL_CHARS: usize = 20;

/// `/coins/markets`: the coins, with `as_of` the newest update among them (never later than
/// `fetched_at`, so a clock ahead of ours cannot make data look fresh forever).
pub fn markets(body: &[u8], fetched_at: i64) -> Result<MarketData, FetchError> {
    let entries = match json(body)? {
        Value::Array(entries) => entries,
        Value::Object(object) => return Err(reported_error(&object, "a list of coins")),
        other => {
            return Err(FetchError::Malformed(format!(
                "expected a list of coins, got {}",
                kind(&other)
            )));
        }
    };
    let listed = entries.len();
    let mut unreadable = Vec::new();
    let coins: Vec<Coin> = entries
        .into_iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let id = entry.get("id").and_then(Value::as_str).map(|id| id.trim().to_owned());
            match coin(entry) {
                Ok(coin) => Some(coin),
                Err(problem) => {
                    let shown: String = id.as_deref().unwrap_or("?").chars().take(100).collect();
                    log::warn!(index = index, coin = shown.as_str(); "skipping a coin the upstream sent malformed: {problem}");
                    unreadable.push(id.and_then(|id| CoinId::parse(&id).ok()));
                    None
                }
            }
        })
        .collect();
    if coins.is_empty() {
        return Err(FetchError::Malformed(format!(
            "none of the {listed} coins listed could be read"
        )));
    }
    // Most of the list unreadable means the format changed, not one bad coin: keep the old data.
    if coins.len() * 2 < listed {
        return Err(FetchError::Malformed(format!(
            "only {} of {listed} coins could be read",
            coins.len()
        )));
    }
    let as_of = coins
        .iter()
        .filter_map(|c| c.last_updated)
        .max()
        .map_or(fetched_at, |newest| newest.min(fetched_at));
    let mut data = MarketData::new(coins, None, as_of);
    data.unreadable = unreadable;
    Ok(data)
}

/// `/global`: figures for the whole market. `None` when the answer has none of them.
pub fn global(body: &[u8]) -> Result<Option<GlobalFigures>, FetchError> {
    let value = json(body)?;
    let Some(data) = value.get("data").filter(|d| d.is_object()) else {
        return match value {
            Value::Object(object) => Err(reported_error(&object, "global figures")),
            other => Err(FetchError::Malformed(format!(
                "expected global figures, got {}",
                kind(&other)
            ))),
        };
    };
    let usd = |field: &str| {
        data.get(field)
            .and_then(|v| v.get("usd"))
            .and_then(number)
            .filter(|v| *v >= 0.0)
    };
    let figures = GlobalFigures {
        total_market_cap: usd("total_market_cap"),
        total_volume: usd("total_volume"),
        btc_dominance: data
            .get("market_cap_percentage")
            .and_then(|v| v.get("btc"))
            .and_then(number)
            .filter(|v| (0.0..=100.0).contains(v)),
        coin_count: data
            .get("active_cryptocurrencies")
            .and_then(number)
            .filter(|v| *v >= 0.0)
            .map(|v| v.min(f64::from(u32::MAX)) as u32),
        scope: GlobalScope::WholeMarket,
    };
    let any = figures.total_market_cap.is_some()
        || figures.total_volume.is_some()
        || figures.btc_dominance.is_some();
    Ok(any.then_some(figures))
}

/// `/exchange_rates`: `{"rates": {"usd": {"value": 64000.0, …}, "eur": {…}, …}}`, every value
/// per bitcoin. Turned into units per US dollar; a currency whose rate is missing or not a
/// positive number is left out (pages in it fall back to dollars), but without the dollar's
/// own rate nothing can be converted.
pub fn exchange_rates(body: &[u8], fetched_at: i64) -> Result<ExchangeRates, FetchError> {
    let value = json(body)?;
    let Some(rates) = value.get("rates").filter(|r| r.is_object()) else {
        return match value {
            Value::Object(object) => Err(reported_error(&object, "exchange rates")),
            other => Err(FetchError::Malformed(format!(
                "expected exchange rates, got {}",
                kind(&other)
            ))),
        };
    };
    let per_btc = |code: &str| {
        rates
            .get(code)
            .and_then(|r| r.get("value"))
            .and_then(number)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let usd = per_btc("usd").ok_or_else(|| {
        FetchError::Malformed("the exchange rates have no usable US dollar rate".into())
    })?;
    Ok(ExchangeRates::new(
        fetched_at,
        Currency::ALL
            .into_iter()
            .filter_map(|currency| per_btc(currency.code()).map(|v| (currency, v / usd))),
    ))
}

/// `/coins/list`: every coin's id, symbol and name. Entries that do not read (an id outside
/// the narrow alphabet, a missing name) are skipped; most of them unreadable is an error.
pub fn coin_list(body: &[u8]) -> Result<Vec<ListedCoin>, FetchError> {
    let entries = match json(body)? {
        Value::Array(entries) => entries,
        Value::Object(object) => return Err(reported_error(&object, "the coin list")),
        other => {
            return Err(FetchError::Malformed(format!(
                "expected the coin list, got {}",
                kind(&other)
            )));
        }
    };
    let listed = entries.len();
    let coins: Vec<ListedCoin> = entries
        .iter()
        .filter_map(|entry| {
            let text = |field: &str| entry.get(field).and_then(Value::as_str);
            Some(ListedCoin {
                id: CoinId::parse(text("id")?.trim()).ok()?,
                symbol: clean_text(text("symbol")?, MAX_SYMBOL_CHARS)?,
                name: clean_text(text("name")?, MAX_NAME_CHARS)?,
            })
        })
        .collect();
    if coins.len() * 2 < listed || coins.is_empty() {
        return Err(FetchError::Malformed(format!(
            "only {} of {listed} entries of the coin list could be read",
            coins.len()
        )));
    }
    Ok(coins)
}

/// `/coins/{id}/market_chart`: `{"prices": [[milliseconds, price], …]}`.
pub fn market_chart(body: &[u8]) -> Result<Series, FetchError> {
    let value = json(body)?;
    let Some(prices) = value.get("prices").and_then(Value::as_array) else {
        return match value {
            Value::Object(object) => Err(reported_error(&object, "a price chart")),
            other => Err(FetchError::Malformed(format!(
                "expected a price chart, got {}",
                kind(&other)
            ))),
        };
    };
    let points: Vec<PricePoint> = prices
        .iter()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            let millis = number(pair.first()?)?;
            let price = number(pair.get(1)?)?;
            Some(PricePoint {
                at: (millis / 1000.0).round() as i64,
                price,
            })
        })
        .collect();
    if points.is_empty() && !prices.is_empty() {
        return Err(FetchError::Malformed(
            "no point of the price chart could be read".into(),
        ));
    }
    Ok(points.into())
}

fn json(body: &[u8]) -> Result<Value, FetchError> {
    serde_json::from_slice(body).map_err(|err| {
        let start = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if start == Some(b'<') {
            FetchError::Malformed("got an HTML page instead of JSON (a proxy or error page)".into())
        } else if body.iter().all(u8::is_ascii_whitespace) {
            FetchError::Malformed("got an empty body".into())
        } else if err.is_eof() {
            FetchError::Malformed(format!("the body ended early (truncated?): {err}"))
        } else {
            FetchError::Malformed(format!("not valid JSON: {err}"))
        }
    })
}

/// CoinGecko's error shapes: `{"status": {"error_code": 429, "error_message": "…"}}` and
/// `{"error": "…"}`.
fn reported_error(object: &serde_json::Map<String, Value>, expected: &str) -> FetchError {
    let message = object
        .get("status")
        .and_then(|s| s.get("error_message"))
        .or_else(|| object.get("error"))
        .and_then(|m| match m {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        });
    match message {
        Some(message) => FetchError::Reported(message.chars().take(200).collect()),
        None => FetchError::Malformed(format!("expected {expected}, got an object")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A finite number from a JSON number (any notation) or a numeric string; anything else is
/// no number.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.as_ref().and_then(number))
}

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => {
            time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|t| t.unix_timestamp())
        }
        _ => None,
    })
}

fn lenient_sparkline<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value
        .as_ref()
        .and_then(|v| v.get("price"))
        .and_then(Value::as_array)
        .map(|prices| {
            prices
                .iter()
                .filter_map(number)
                .filter(|p| *p >= 0.0)
                .collect()
        })
        .unwrap_or_default())
}

/// One entry of `/coins/markets` as sent. Only `id`, `symbol` and `name` are required.
#[derive(Deserialize)]
struct RawCoin {
    id: String,
    symbol: String,
    name: String,
    #[serde(default, deserialize_with = "lenient_number")]
    current_price: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    market_cap: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    market_cap_rank: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    fully_diluted_valuation: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    total_volume: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    high_24h: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    low_24h: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    price_change_percentage_1h_in_currency: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    price_change_percentage_24h_in_currency: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    price_change_percentage_24h: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    price_change_percentage_7d_in_currency: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    circulating_supply: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    total_supply: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    max_supply: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    ath: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    ath_change_percentage: Option<f64>,
    #[serde(default, deserialize_with = "lenient_time")]
    ath_date: Option<i64>,
    #[serde(default, deserialize_with = "lenient_number")]
    atl: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    atl_change_percentage: Option<f64>,
    #[serde(default, deserialize_with = "lenient_time")]
    atl_date: Option<i64>,
    #[serde(default, deserialize_with = "lenient_time")]
    last_updated: Option<i64>,
    #[serde(default, deserialize_with = "lenient_sparkline")]
    sparkline_in_7d: Vec<f64>,
    #[serde(default, deserialize_with = "lenient_text")]
    image: Option<String>,
}

fn coin(entry: Value) -> Result<Coin, String> {
    let raw: RawCoin = serde_json::from_value(entry).map_err(|e| e.to_string())?;
    let id = CoinId::parse(raw.id.trim())
        .map_err(|e| format!("{e}: {:?}", raw.id.chars().take(100).collect::<String>()))?;
    let name = clean_text(&raw.name, MAX_NAME_CHARS).ok_or("the name is empty")?;
    let symbol = clean_text(&raw.symbol, MAX_SYMBOL_CHARS).ok_or("the symbol is empty")?;
    let amount = |v: Option<f64>| v.filter(|v| *v >= 0.0);
    let extreme = |price: Option<f64>, at, change_percent| {
        amount(price).map(|price| Extreme {
            price,
            at,
            change_percent,
        })
    };
    Ok(Coin {
        id,
        symbol,
        name,
        rank: raw
            .market_cap_rank
            .filter(|r| *r >= 1.0 && *r <= f64::from(u32::MAX))
            .map(|r| r.round() as u32),
        price: amount(raw.current_price),
        change_1h: raw.price_change_percentage_1h_in_currency,
        change_24h: raw
            .price_change_percentage_24h_in_currency
            .or(raw.price_change_percentage_24h),
        change_7d: raw.price_change_percentage_7d_in_currency,
        market_cap: amount(raw.market_cap),
        fully_diluted_valuation: amount(raw.fully_diluted_valuation),
        volume_24h: amount(raw.total_volume),
        high_24h: amount(raw.high_24h),
        low_24h: amount(raw.low_24h),
        circulating_supply: amount(raw.circulating_supply),
        total_supply: amount(raw.total_supply),
        max_supply: amount(raw.max_supply),
        all_time_high: extreme(raw.ath, raw.ath_date, raw.ath_change_percentage),
        all_time_low: extreme(raw.atl, raw.atl_date, raw.atl_change_percentage),
        last_updated: raw.last_updated,
        sparkline_7d: raw.sparkline_in_7d,
        kept_from: None,
        image: raw.image.and_then(|url| image_url(&url)),
    })
}

/// Longest image URL kept; CoinGecko's are under 150 characters.
const MAX_IMAGE_URL_CHARS: usize = 512;

/// `image`: kept when it looks like an absolute http(s) URL of sensible length. Whether it may
/// be fetched is the logo fetcher's decision (its host allow-list).
fn image_url(raw: &str) -> Option<String> {
    let url = raw.trim();
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    (absolute && url.len() <= MAX_IMAGE_URL_CHARS && !url.chars().any(char::is_whitespace))
        .then(|| url.to_owned())
}

/// A string, or `None` for anything else (CoinGecko sends `null` or `"missing_large.png"`).
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// Trimmed, without control characters, at most `max` characters; `None` when empty.
fn clean_text(raw: &str, max: usize) -> Option<String> {
    let text: String = raw.chars().filter(|c| !c.is_control()).collect();
    let text: String = text.trim().chars().take(max).collect();
    let text = text.trim_end().to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_500_000;

    fn bitcoin() -> Value {
        serde_json::json!({
            "id": "bitcoin", "symbol": "btc", "name": "Bitcoin",
            "image": "https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png",
            "current_price": 64231.5, "market_cap": 1.27e12, "market_cap_rank": 1,
            "fully_diluted_valuation": 1348000000000u64, "total_volume": 3.1e10,
            "high_24h": 65000, "low_24h": 63000.25,
            "price_change_24h": 120.5, "price_change_percentage_24h": 0.5,
            "market_cap_change_24h": 1e9, "market_cap_change_percentage_24h": 0.4,
            "circulating_supply": 19800000.0, "total_supply": 21000000.0, "max_supply": 21000000.0,
            "ath": 73738, "ath_change_percentage": -12.9, "ath_date": "2024-03-14T07:10:36.635Z",
            "atl": 67.81, "atl_change_percentage": 94600.1, "atl_date": "2013-07-06T00:00:00.000Z",
            "roi": null, "last_updated": "2026-11-24T05:59:30.123Z",
            "sparkline_in_7d": {"price": [63000.0, 63500.1, 64000]},
            "price_change_percentage_1h_in_currency": -0.12,
            "price_change_percentage_24h_in_currency": 0.51,
            "price_change_percentage_7d_in_currency": 3.2
        })
    }

    fn parse(list: Value) -> Result<MarketData, FetchError> {
        markets(list.to_string().as_bytes(), NOW)
    }

    #[test]
    fn exchange_rates_are_turned_into_units_per_dollar() {
        let body = serde_json::json!({"rates": {
            "btc": {"name": "Bitcoin", "unit": "BTC", "value": 1.0, "type": "crypto"},
            "eth": {"name": "Ether", "unit": "ETH", "value": 20.0, "type": "crypto"},
            "usd": {"name": "US Dollar", "unit": "$", "value": 64000.0, "type": "fiat"},
            "eur": {"name": "Euro", "unit": "€", "value": "5.888e4", "type": "fiat"},
            "gbp": {"name": "British Pound Sterling", "unit": "£", "value": null, "type": "fiat"},
            "jpy": {"name": "Japanese Yen", "unit": "¥", "value": 9600000, "type": "fiat"},
            "xau": {"name": "Gold - Troy Ounce", "unit": "XAU", "value": 24.5, "type": "commodity"}
        }});
        let rates = exchange_rates(body.to_string().as_bytes(), NOW).expect("valid");
        assert_eq!(rates.fetched_at, NOW);
        assert_eq!(rates.per_usd(Currency::Btc), Some(1.0 / 64_000.0));
        assert_eq!(rates.per_usd(Currency::Eth), Some(20.0 / 64_000.0));
        assert_eq!(rates.per_usd(Currency::Eur), Some(0.92));
        assert_eq!(rates.per_usd(Currency::Jpy), Some(150.0));
        assert_eq!(rates.per_usd(Currency::Gbp), None);
        assert_eq!(rates.per_usd(Currency::Usd), Some(1.0));
    }

    #[test]
    fn exchange_rates_without_a_dollar_or_in_the_wrong_shape_are_refused() {
        let no_usd = serde_json::json!({"rates": {"eur": {"value": 58880.0}}});
        assert!(matches!(
            exchange_rates(no_usd.to_string().as_bytes(), NOW),
            Err(FetchError::Malformed(_))
        ));
        let error = serde_json::json!({"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit"}});
        assert!(matches!(
            exchange_rates(error.to_string().as_bytes(), NOW),
            Err(FetchError::Reported(_))
        ));
        assert!(exchange_rates(b"[]", NOW).is_err());
        assert!(exchange_rates(b"<html>", NOW).is_err());
    }

    #[test]
    fn a_complete_coin_reads_every_figure() {
        let data = parse(Value::Array(vec![bitcoin()])).expect("valid");
        let btc = &data.coins[0];
        assert_eq!(
            (btc.id.as_str(), btc.symbol.as_str(), btc.name.as_str()),
            ("bitcoin", "btc", "Bitcoin")
        );
        assert_eq!(btc.rank, Some(1));
        assert_eq!(btc.price, Some(64231.5));
        assert_eq!(
            btc.change_24h,
            Some(0.51),
            "the in-currency change is preferred"
        );
        assert_eq!(btc.change_1h, Some(-0.12));
        assert_eq!(btc.fully_diluted_valuation, Some(1.348e12));
        assert_eq!(
            btc.supply_fraction().map(|f| (f * 1000.0).round()),
            Some(943.0)
        );
        let ath = btc.all_time_high.as_ref().expect("ath");
        assert_eq!(
            (ath.price, ath.at, ath.change_percent),
            (73738.0, Some(1_710_400_236), Some(-12.9))
        );
        assert_eq!(btc.sparkline_7d, [63000.0, 63500.1, 64000.0]);
        assert_eq!(btc.last_updated, Some(1_795_499_970));
        assert_eq!(data.as_of, 1_795_499_970);
        assert_eq!(
            btc.image.as_deref(),
            Some("https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png")
        );
    }

    #[test]
    fn an_image_that_is_not_an_absolute_url_is_dropped() {
        for image in [
            serde_json::json!("missing_large.png"),
            serde_json::json!(null),
            serde_json::json!(42),
            serde_json::json!("javascript:alert(1)"),
            serde_json::json!(format!("https://cdn.example/{}", "a".repeat(600))),
        ] {
            let mut coin = bitcoin();
            coin["image"] = image.clone();
            let data = parse(Value::Array(vec![coin])).expect("valid");
            assert_eq!(data.coins[0].image, None, "{image}");
        }
    }

    #[test]
    fn nulls_and_missing_fields_become_missing_figures() {
        let mut coin = bitcoin();
        for field in [
            "current_price",
            "market_cap",
            "market_cap_rank",
            "max_supply",
            "ath",
            "ath_date",
            "sparkline_in_7d",
            "last_updated",
        ] {
            coin[field] = Value::Null;
        }
        let object = coin.as_object_mut().expect("object");
        for field in [
            "price_change_percentage_1h_in_currency",
            "total_supply",
            "high_24h",
            "atl",
            "roi",
        ] {
            object.remove(field);
        }
        let data = parse(Value::Array(vec![coin])).expect("valid");
        let btc = &data.coins[0];
        assert_eq!(
            (btc.price, btc.market_cap, btc.rank, btc.max_supply),
            (None, None, None, None)
        );
        assert_eq!(
            (btc.change_1h, btc.total_supply, btc.high_24h),
            (None, None, None)
        );
        assert!(btc.all_time_high.is_none() && btc.all_time_low.is_none());
        assert!(btc.sparkline_7d.is_empty());
        assert_eq!(
            data.as_of, NOW,
            "with no update times the fetch time is the as-of time"
        );
    }

    #[test]
    fn exponent_notation_strings_tiny_prices_and_roi_objects_read() {
        let text = r#"[{"id":"shiba-inu","symbol":"shib","name":"Shiba Inu","current_price":1.234e-5,
            "market_cap":"7.2E9","total_volume":2.5e+8,"roi":{"times":1.5,"currency":"usd","percentage":150},
            "sparkline_in_7d":{"price":[1.2e-5,null,"1.3e-5",1.25E-05]}}]"#;
        let data = markets(text.as_bytes(), NOW).expect("valid");
        let shib = &data.coins[0];
        assert_eq!(shib.price, Some(0.00001234));
        assert_eq!(shib.market_cap, Some(7.2e9));
        assert_eq!(shib.volume_24h, Some(2.5e8));
        assert_eq!(shib.sparkline_7d, [1.2e-5, 1.3e-5, 1.25e-5]);
    }

    #[test]
    fn one_malformed_coin_is_skipped_and_the_rest_kept() {
        let mut no_id = bitcoin();
        no_id.as_object_mut().expect("object").remove("id");
        let mut bad_id = bitcoin();
        bad_id["id"] = Value::from("../../admin");
        let mut numeric_name = bitcoin();
        numeric_name["id"] = Value::from("x");
        numeric_name["name"] = Value::from(5);
        let mut eth = bitcoin();
        eth["id"] = Value::from("ethereum");
        let mut sol = bitcoin();
        sol["id"] = Value::from("solana");
        let list = vec![
            bitcoin(),
            no_id,
            eth,
            Value::from("garbage"),
            sol,
            bad_id,
            numeric_name,
            bitcoin(),
        ];
        let data = parse(Value::Array(list)).expect("most coins read");
        let ids: Vec<&str> = data.coins.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["bitcoin", "ethereum", "solana", "bitcoin"]);
        let unreadable: Vec<Option<&str>> = data
            .unreadable
            .iter()
            .map(|c| c.as_ref().map(CoinId::as_str))
            .collect();
        assert_eq!(
            unreadable,
            [None, None, None, Some("x")],
            "an entry whose id reads is remembered, so its old figures can stay"
        );
    }

    #[test]
    fn a_list_that_is_mostly_unreadable_is_refused_whole() {
        let list = vec![bitcoin(), Value::Null, Value::Null, Value::Null];
        assert!(matches!(
            parse(Value::Array(list)),
            Err(FetchError::Malformed(_))
        ));
        assert!(matches!(
            parse(Value::Array(vec![])),
            Err(FetchError::Malformed(_))
        ));
    }

    #[test]
    fn an_error_object_where_a_list_was_expected_is_reported() {
        let err = markets(
            br#"{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}"#,
            NOW,
        )
        .unwrap_err();
        assert!(
            matches!(&err, FetchError::Reported(m) if m.contains("Rate Limit")),
            "{err}"
        );
        let err = markets(br#"{"error":"coin not found"}"#, NOW).unwrap_err();
        assert!(
            matches!(&err, FetchError::Reported(m) if m == "coin not found"),
            "{err}"
        );
        assert!(matches!(markets(b"{}", NOW), Err(FetchError::Malformed(_))));
        assert!(matches!(markets(b"42", NOW), Err(FetchError::Malformed(_))));
    }

    #[test]
    fn html_truncated_and_empty_bodies_are_named() {
        let err = markets(
            b"\n<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
            NOW,
        )
        .unwrap_err();
        assert!(err.to_string().contains("HTML"), "{err}");
        let full = Value::Array(vec![bitcoin()]).to_string();
        let err = markets(&full.as_bytes()[..full.len() / 2], NOW).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(
            markets(b"  ", NOW)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }

    #[test]
    fn text_from_upstream_is_trimmed_and_bounded() {
        let mut coin = bitcoin();
        coin["name"] = Value::from(format!("  Evil\u{0007}Coin{}  ", "x".repeat(500)));
        coin["symbol"] = Value::from("  ");
        assert!(
            parse(Value::Array(vec![coin.clone(), bitcoin()]))
                .expect("one reads")
                .coins
                .len()
                == 1
        );
        coin["symbol"] = Value::from("evl");
        let data = parse(Value::Array(vec![coin])).expect("valid");
        assert!(data.coins[0].name.starts_with("EvilCoinxxx"));
        assert_eq!(data.coins[0].name.chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn an_update_time_ahead_of_ours_does_not_make_data_look_newer() {
        let mut coin = bitcoin();
        coin["last_updated"] = Value::from("2099-01-01T00:00:00Z");
        assert_eq!(parse(Value::Array(vec![coin])).expect("valid").as_of, NOW);
    }

    #[test]
    fn global_figures_read_and_tolerate_gaps() {
        let body = br#"{"data":{"active_cryptocurrencies":17250,"total_market_cap":{"usd":2.4e12,"eur":2.2e12},
            "total_volume":{"usd":9.1e10},"market_cap_percentage":{"btc":56.2,"eth":12.1}}}"#;
        let global = global(body).expect("valid").expect("figures");
        assert_eq!(global.total_market_cap, Some(2.4e12));
        assert_eq!(global.btc_dominance, Some(56.2));
        assert_eq!(global.coin_count, Some(17_250));
        assert_eq!(global.scope, GlobalScope::WholeMarket);
        assert_eq!(super::global(br#"{"data":{}}"#).expect("valid"), None);
        assert!(super::global(br#"{"status":{"error_message":"nope"}}"#).is_err());
    }

    #[test]
    fn a_market_chart_reads_milliseconds_and_skips_bad_points() {
        let body = br#"{"prices":[[1795400000000,64000.5],[1795403600000,null],["x",1],[1795407200000,6.4e4]],
            "market_caps":[],"total_volumes":[]}"#;
        let series = market_chart(body).expect("valid");
        assert_eq!(
            series.points(),
            [
                PricePoint {
                    at: 1_795_400_000,
                    price: 64000.5
                },
                PricePoint {
                    at: 1_795_407_200,
                    price: 64000.0
                }
            ]
        );
        assert!(market_chart(br#"{"prices":[]}"#).expect("valid").is_empty());
        assert!(matches!(
            market_chart(br#"{"error":"coin not found"}"#),
            Err(FetchError::Reported(_))
        ));
        assert!(market_chart(b"<html>").is_err());
    }
}
