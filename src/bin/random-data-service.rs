//! `random-data-service`: serves `com.larry_price.test.RandomData` on the bus (see
//! `random_data::service::cli`).

fn main() -> std::process::ExitCode {
    random_data::service::cli::main()
}
