//! `random-data [BITS] [-s|--slow]`: prints a random number from the random-data service.
//! (See `random_data::client::cli`.)

fn main() -> std::process::ExitCode {
    random_data::client::cli::main()
}
