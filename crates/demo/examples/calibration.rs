//! Builds the demo province into a SQLite file and prints the registration against the official
//! 2015 figures (province and per city), for checking the calibration without the web server:
//! `cargo run --release -p fupin-demo --example calibration -- [scale] [database path]`.

use fupin_demo::calibration::{CITY_PEOPLE, LAIWU, OFFICIAL_HOUSEHOLDS, OFFICIAL_PEOPLE};
use fupin_demo::{build, BuildOptions};
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;

fn main() {
    let mut args = std::env::args().skip(1);
    let scale: f64 = args.next().map(|s| s.parse().expect("scale is a number")).unwrap_or(1.0);
    let path = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/fupin-calibration.db".into()));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let opts = BuildOptions { scale, as_of: Date::new(2017, 6, 30).expect("valid"), rules: Rules::default(), progress: false };
    let r = build(&fupin_store::sqlite::Sqlite::open_for_bulk_build(&path).expect("opens"), &opts).expect("builds");
    let dev = |got: u64, official: f64| (got as f64 / (official * scale) - 1.0) * 100.0;
    println!("built in {:.1} s ({:?}), into {}", r.seconds, r.phases, path.display());
    println!(
        "province: {} households ({:+.2}%), {} people ({:+.2}%), {} recorded outside the register",
        r.households,
        dev(r.households, OFFICIAL_HOUSEHOLDS as f64),
        r.people,
        dev(r.people, OFFICIAL_PEOPLE as f64),
        r.recorded_households
    );
    for &(city, people, _) in CITY_PEOPLE {
        let official = people as f64 + if city == "3701" { LAIWU.1 as f64 } else { 0.0 };
        let got = r.people_by_city.get(city).copied().unwrap_or(0);
        let households = r.households_by_city.get(city).copied().unwrap_or(0);
        println!("{city}: {households} households, {got} people ({:+.2}%)", dev(got, official));
    }
}
