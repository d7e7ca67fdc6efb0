//! `random-data [BITS] [-s|--slow]`: prints a random number from the random-data service.
//! `random-data contract FILE.xml`: checks a live object against its introspection XML.
//! (See `random_data::cli::client`.)

fn main() -> std::process::ExitCode {
    random_data::cli::client::main()
}
