//! The figures as text: one line per figure, medians with their spread.

use crate::{CallSummary, Figures, SlowFigures};

/// Prints every figure of a run.
pub(crate) fn print(figures: &Figures) {
    println!("machine: {}", figures.machine);
    if let Some(calls) = &figures.calls {
        println!(
            "call loads: {} interleaved rounds; median (min–max)",
            calls.rounds
        );
        for target in &calls.targets {
            print_calls(target.name, &target.summary);
        }
        for ratio in &calls.ratios {
            print_ratio(&ratio.what, &ratio.ratio, ratio.target);
        }
    }
    if let Some(counted) = &figures.instructions {
        println!(
            "instructions per call under callgrind, from the smallest totals of {} processes each of {} and {} calls (slow: {}, {} and {} requests); each pair's median (min–max):",
            counted.quick_calls.repeats,
            counted.quick_calls.small,
            counted.quick_calls.large,
            counted.slow_requests.repeats,
            counted.slow_requests.small,
            counted.slow_requests.large
        );
        for (name, count) in [
            ("quick", &counted.quick),
            ("generated quick", &counted.generated_quick),
            ("zbus quick", &counted.zbus_quick),
            ("C quick", &counted.c_quick),
            ("slow(4) request", &counted.slow),
        ] {
            println!(
                "  {name:<16} {:>7.0}   pairs {:.0}",
                count.per_call, count.pairs
            );
        }
        if let Some(other) = &counted.other_quick {
            println!(
                "  {:<16} {:>7.0}   pairs {:.0}",
                "other quick", other.per_call, other.pairs
            );
        }
        println!(
            "  ratios: quick / zbus {:.3}, quick / C {:.3}, generated / zbus {:.3}, zbus / C {:.3}",
            counted.quick_vs_zbus, counted.quick_vs_c, counted.generated_vs_zbus, counted.zbus_vs_c
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
        "{name:<15} 64 in flight: {:.0} calls/s; 1 in flight: p50 {:.1} us, p99 {:.1} us; service CPU per call {:.1} us",
        target.per_second_64, target.p50_us_1, target.p99_us_1, target.cpu_us_per_call
    );
}

fn print_ratio(what: &str, ratio: &crate::Spread, target: Option<&str>) {
    let target = target.map(|t| format!(" (target {t})")).unwrap_or_default();
    println!(
        "ratio {what}: {ratio:.3}, ±{:.1} %{target}",
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
