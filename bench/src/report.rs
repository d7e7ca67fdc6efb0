//! The figures as text: one line per figure, medians with their spread.

use crate::{CallSummary, Figures, SlowFigures};

/// Prints every figure of a run.
pub fn print(figures: &Figures) {
    println!("machine: {}", figures.machine);
    if let Some(calls) = &figures.calls {
        println!(
            "call loads: {} interleaved rounds; median (min–max)",
            calls.quick.len()
        );
        let s = &calls.summary;
        for (name, target) in [
            ("quick", &s.quick),
            ("Ping", &s.ping),
            ("Python quick", &s.python_quick),
        ] {
            print_calls(name, target);
        }
        print_ratio(
            "service CPU per call, quick / Ping",
            &s.cpu_quick_vs_ping,
            "<= 1.1",
        );
        print_ratio(
            "p50 at 1 in flight, quick / Ping",
            &s.p50_quick_vs_ping,
            "<= 1.05",
        );
        print_ratio(
            "throughput at 64 in flight, quick / Ping",
            &s.throughput_quick_vs_ping,
            ">= 0.95",
        );
        print_ratio(
            "service CPU per quick, ours / Python",
            &s.cpu_quick_vs_python,
            "<= 0.5",
        );
    }
    if let Some(windowed) = &figures.windowed {
        print_slow("windowed, ours  ", &windowed.ours);
        print_slow("windowed, Python", &windowed.python);
        println!(
            "a bare sleeping tokio task: {:.0} bytes; ours per pending request / bare task: {:.2}",
            windowed.bare_task_bytes, windowed.bytes_vs_bare_task
        );
        println!(
            "ratio CPU per slow request, ours / Python: {:.2} (target <= 0.25)",
            windowed.cpu_per_slow_vs_python
        );
    }
    for burst in &figures.bursts {
        print_slow("burst           ", burst);
    }
}

fn print_calls(name: &str, target: &CallSummary) {
    println!(
        "{name:<13} 64 in flight: {:.0} calls/s; 1 in flight: p50 {:.1} us, p99 {:.1} us; service CPU per call {:.1} us",
        target.per_second_64, target.p50_us_1, target.p99_us_1, target.cpu_us_per_call
    );
}

fn print_ratio(what: &str, ratio: &crate::Spread, target: &str) {
    println!(
        "ratio {what}: {ratio:.3}, ±{:.1} % (target {target})",
        ratio.relative_half_width() * 100.0
    );
}

fn print_slow(name: &str, slow: &SlowFigures) {
    let b = &slow.batch;
    println!(
        "slow {name} N = {:>7}: ids in {:.1} s, results in {:.1} s, refused {}, lost {}, duplicated {}, mismatched {}, foreign {}; RSS {:.1} MiB before, {:.1} MiB peak, {:.0} bytes per request; CPU {:.1} us per request",
        b.requests,
        b.seconds_to_replies,
        b.seconds,
        b.refused,
        b.lost,
        b.duplicated,
        b.mismatched,
        b.foreign,
        slow.rss_before_mib,
        slow.peak_rss_mib,
        slow.bytes_per_request,
        slow.cpu_us_per_request
    );
    if let Some(refusal) = &b.first_refusal {
        println!("     first refusal: {refusal}");
    }
}
