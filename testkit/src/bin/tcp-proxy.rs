//! `tcp-proxy --listen PORT --target HOST:PORT`: the testkit proxy as a program, for rehearsing
//! network faults by hand. Reads commands on stdin, one per line: `cut`, `resume`, `cut 3s`
//! (cut, then resume after 3 s), `stats`. Ends on EOF.

use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use testkit::proxy::TcpProxy;

#[derive(Parser)]
#[command(
    about = "A loopback TCP proxy that can cut connections on command (stdin: cut, resume, cut 3s, stats)"
)]
struct Args {
    /// Port to listen on, on 127.0.0.1 (0 = any free one; printed at start).
    #[arg(long, default_value_t = 0)]
    listen: u16,
    /// Where to forward to, e.g. 127.0.0.1:5672.
    #[arg(long)]
    target: SocketAddr,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let proxy = match TcpProxy::start_on(args.listen, args.target) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tcp-proxy: cannot listen on 127.0.0.1:{}: {e}", args.listen);
            return std::process::ExitCode::from(2);
        }
    };
    println!("listening on {} → {}", proxy.addr(), args.target);
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["cut"] => proxy.cut(),
            ["cut", secs] => match secs.trim_end_matches('s').parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 => proxy.cut_for(Duration::from_secs_f64(s)),
                _ => {
                    eprintln!("cut takes seconds, like `cut 3s`");
                    continue;
                }
            },
            ["resume"] => proxy.resume(),
            ["stats"] | [] => {}
            _ => {
                eprintln!("commands: cut, cut 3s, resume, stats");
                continue;
            }
        }
        println!(
            "{} · {} connections · {} B to target · {} B to clients",
            if proxy.is_up() { "up" } else { "cut" },
            proxy.accepted(),
            proxy.bytes_to_target(),
            proxy.bytes_to_client()
        );
    }
    std::process::ExitCode::SUCCESS
}
