//! Adds the policy benchmark's corpus to a demo database: `policy_corpus DB COUNT`.
//! (`bench/policy_search.sh` runs it; the documents go through the store's lifecycle.)

use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_store::sql_store::SqlStore;
use fupin_store::sqlite::Sqlite;

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: policy_corpus DB COUNT");
    let n: usize = args.next().and_then(|n| n.parse().ok()).expect("usage: policy_corpus DB COUNT");
    let store = SqlStore::new(Sqlite::open(std::path::Path::new(&db)).expect("open the database"), Rules::default()).expect("a store");
    let started = std::time::Instant::now();
    let done = fupin_demo::policies::corpus(&store, n, Date::new(2017, 6, 30).expect("a date")).expect("the corpus publishes");
    println!("{done} documents published in {:.1} s", started.elapsed().as_secs_f64());
}
