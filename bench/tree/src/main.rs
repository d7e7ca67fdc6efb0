//! The cost of dbus-xml-codegen's object tree (`object_manager::Tree` with generated servers)
//! beside zbus's own `fdo::ObjectManager` with hand-written `#[zbus::interface]` objects, in
//! the same run, on a private `dbus-daemon`. Each object carries two interfaces: a book
//! (`org.example.Library1.Book`, two properties) and its loan (`org.example.Library1.Loan`,
//! one property), as in `codegen/examples/library`.
//!
//! For each kind, in interleaved rounds (the order alternates): the heap bytes and blocks in
//! use per served object (counted by dhat's allocator, after adding OBJECTS objects, over
//! the heap before), the time for one `GetManagedObjects` of the whole tree, called from
//! another connection through the bus, and the time of one `GetAll` of one interface (the
//! runtime's `Properties` against zbus's); the timings run with the heap profiler off. Prints each figure's median with its range over the
//! rounds, and the ratios generated / zbus taken within each round.
//!
//! `tree-bench [OBJECTS] [ROUNDS]` (defaults 10000 and 5); build with `--release`.

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[allow(dead_code, unreachable_pub)]
mod api {
    include!(concat!(env!("OUT_DIR"), "/org.example.Library1.rs"));
}

use std::time::{Duration, Instant};

use api::book_server::{Book, BookCall, BookServer};
use api::loan_server::{Loan, LoanServer};
use api::object_manager::{Object, Tree};
use zbus::{OwnedObjectPath, fdo};

const ROOT: &str = "/org/example/Library1";

/// A book, for the generated servers.
struct GeneratedBook {
    title: String,
    shelf: OwnedObjectPath,
}

impl Book for GeneratedBook {
    type Error = fdo::Error;

    async fn lend(&self, _borrower: String, _call: &BookCall<'_>) -> fdo::Result<()> {
        Ok(())
    }

    async fn r#return(&self, _call: &BookCall<'_>) -> fdo::Result<()> {
        Ok(())
    }

    async fn title(&self) -> fdo::Result<String> {
        Ok(self.title.clone())
    }

    async fn shelf(&self) -> fdo::Result<OwnedObjectPath> {
        Ok(self.shelf.clone())
    }
}

/// A loan, for the generated servers.
struct GeneratedLoan {
    borrower: String,
}

impl Loan for GeneratedLoan {
    type Error = fdo::Error;

    async fn borrower(&self) -> fdo::Result<String> {
        Ok(self.borrower.clone())
    }
}

/// The same book, hand-written for zbus.
struct ZbusBook {
    title: String,
    shelf: OwnedObjectPath,
}

#[zbus::interface(name = "org.example.Library1.Book", spawn = false)]
impl ZbusBook {
    #[zbus(name = "Lend")]
    async fn lend(&self, _borrower: String) {}

    #[zbus(name = "Return")]
    async fn r#return(&self) {}

    #[zbus(property, name = "Title")]
    async fn title(&self) -> String {
        self.title.clone()
    }

    #[zbus(property, name = "Shelf")]
    async fn shelf(&self) -> OwnedObjectPath {
        self.shelf.clone()
    }
}

/// The same loan, hand-written for zbus.
struct ZbusLoan {
    borrower: String,
}

#[zbus::interface(name = "org.example.Library1.Loan", spawn = false)]
impl ZbusLoan {
    #[zbus(property, name = "Borrower")]
    async fn borrower(&self) -> String {
        self.borrower.clone()
    }
}

/// Which way a tree is served.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Generated,
    Zbus,
}

/// What one round measured of one kind.
struct Measured {
    bytes_per_object: f64,
    blocks_per_object: f64,
    get_managed_objects: Duration,
    /// One `GetAll` of the book's interface on an object outside the tree, served through
    /// the runtime (its `Properties`) or zbus (its own): the mean of [`GET_ALL_CALLS`].
    get_all: Duration,
}

/// How many `GetAll` calls, one after the other, make one measurement.
const GET_ALL_CALLS: u32 = 2000;

/// Where the object that answers `GetAll` is served, outside the tree.
const GET_ALL_PATH: &str = "/org/example/GetAll";

/// Serves `objects` books with loans the `kind` way on a fresh connection, measures, and
/// drops it all.
async fn measure(bus: &test_bus::PrivateBus, kind: Kind, objects: usize) -> zbus::Result<Measured> {
    let service = bus.connect().await?;
    let client = bus.connect().await?;
    let shelf = OwnedObjectPath::try_from(format!("{ROOT}/shelves/0"))?;
    let title = |i: usize| format!("Book number {i}");
    let borrower = |i: usize| format!("Reader {i}");

    // The heap is counted while the objects are added; the timings below run without the
    // profiler, which records a backtrace per allocation and would time allocations only.
    let profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    // Keeps the generated tree's handle alive while it is measured.
    let mut _tree = None;
    match kind {
        Kind::Generated => {
            let tree = Tree::serve(&service, ROOT).await?;
            for i in 0..objects {
                let path = tree.object_path(["books", &i.to_string()]);
                let book = BookServer::new(GeneratedBook {
                    title: title(i),
                    shelf: shelf.clone(),
                });
                let loan = LoanServer::new(GeneratedLoan {
                    borrower: borrower(i),
                });
                tree.add(&path, Object::new().with(book).with(loan)).await?;
            }
            _tree = Some(tree);
        }
        Kind::Zbus => {
            let server = service.object_server();
            server.at(ROOT, fdo::ObjectManager).await?;
            for i in 0..objects {
                let path = format!("{ROOT}/books/{i}");
                let book = ZbusBook {
                    title: title(i),
                    shelf: shelf.clone(),
                };
                server.at(path.as_str(), book).await?;
                server
                    .at(
                        path.as_str(),
                        ZbusLoan {
                            borrower: borrower(i),
                        },
                    )
                    .await?;
            }
        }
    }
    let after = dhat::HeapStats::get();
    drop(profiler);
    let per_object = |after: usize, before: usize| (after as f64 - before as f64) / objects as f64;

    let manager = fdo::ObjectManagerProxy::builder(&client)
        .destination(service.unique_name().expect("a bus connection").to_owned())
        .path(ROOT)
        .build()
        .await?;
    let started = Instant::now();
    let managed = manager.get_managed_objects().await?;
    let get_managed_objects = started.elapsed();
    // zbus lists the path node `books` too.
    assert!(
        managed.len() == objects || managed.len() == objects + 1,
        "{kind:?}: {} objects managed, {objects} served",
        managed.len()
    );
    let book = |title: &str| (title.to_owned(), shelf.clone());
    match kind {
        Kind::Generated => {
            let (title, shelf) = book("GetAll");
            let server = BookServer::new(GeneratedBook { title, shelf });
            dbus_xml_runtime::serve_at(&service, GET_ALL_PATH, server).await?;
        }
        Kind::Zbus => {
            let (title, shelf) = book("GetAll");
            service
                .object_server()
                .at(GET_ALL_PATH, ZbusBook { title, shelf })
                .await?;
        }
    }
    let properties = fdo::PropertiesProxy::builder(&client)
        .destination(service.unique_name().expect("a bus connection").to_owned())
        .path(GET_ALL_PATH)
        .build()
        .await?;
    let interface =
        zbus::names::InterfaceName::from_static_str_unchecked("org.example.Library1.Book");
    let started = Instant::now();
    for _ in 0..GET_ALL_CALLS {
        let all = properties.get_all(interface.clone()).await?;
        assert_eq!(all.len(), 2, "{kind:?}: Title and Shelf");
    }
    let get_all = started.elapsed() / GET_ALL_CALLS;
    Ok(Measured {
        bytes_per_object: per_object(after.curr_bytes, before.curr_bytes),
        blocks_per_object: per_object(after.curr_blocks, before.curr_blocks),
        get_managed_objects,
        get_all,
    })
}

/// The median of `values` and their range, as `median (min–max)`.
fn summary(mut values: Vec<f64>, unit: &str) -> String {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let (low, high) = (values[0], values[values.len() - 1]);
    format!("{median:.2}{unit} ({low:.2}–{high:.2})")
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let mut args = std::env::args().skip(1);
    let objects: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("OBJECTS is a number"));
    let rounds: usize = args
        .next()
        .map_or(5, |a| a.parse().expect("ROUNDS is a number"));
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");

    let mut rows: Vec<(Kind, Vec<Measured>)> =
        vec![(Kind::Generated, vec![]), (Kind::Zbus, vec![])];
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let kind = rows[index].0;
            let measured = measure(&bus, kind, objects).await?;
            rows[index].1.push(measured);
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }

    println!(
        "{objects} objects of two interfaces each (book, loan), {rounds} interleaved rounds: median (range)"
    );
    println!(
        "{:<44} {:>28} {:>28} {:>28} {:>28}",
        "",
        "heap bytes / object",
        "heap blocks / object",
        "GetManagedObjects",
        "GetAll (one interface)"
    );
    for (kind, measured) in &rows {
        let label = match kind {
            Kind::Generated => "generated Tree + generated servers",
            Kind::Zbus => "zbus fdo::ObjectManager + #[interface]",
        };
        println!(
            "{label:<44} {:>28} {:>28} {:>28} {:>28}",
            summary(measured.iter().map(|m| m.bytes_per_object).collect(), " B"),
            summary(measured.iter().map(|m| m.blocks_per_object).collect(), ""),
            summary(
                measured
                    .iter()
                    .map(|m| m.get_managed_objects.as_secs_f64() * 1e3)
                    .collect(),
                " ms"
            ),
            summary(
                measured
                    .iter()
                    .map(|m| m.get_all.as_secs_f64() * 1e6)
                    .collect(),
                " µs"
            ),
        );
    }
    let ratio = |figure: fn(&Measured) -> f64| {
        let ratios = rows[0]
            .1
            .iter()
            .zip(&rows[1].1)
            .map(|(generated, zbus)| figure(generated) / figure(zbus))
            .collect();
        summary(ratios, "")
    };
    println!(
        "{:<44} {:>28} {:>28} {:>28} {:>28}",
        "ratio generated / zbus, within each round",
        ratio(|m| m.bytes_per_object),
        ratio(|m| m.blocks_per_object),
        ratio(|m| m.get_managed_objects.as_secs_f64()),
        ratio(|m| m.get_all.as_secs_f64()),
    );
    Ok(())
}
