//! `random-data-service`: serves `com.larry_price.test.RandomData` on the bus (see
//! `random_data::cli::service`).

fn main() -> std::process::ExitCode {
    random_data::cli::service::main()
}
