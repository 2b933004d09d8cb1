//! Helpers shared by the integration tests: each test binary (`tests/<binary>/main.rs`) includes
//! this once with `#[path = "../support/mod.rs"] mod support;`.

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::process::Command;

pub mod kube;
pub mod pty;
pub mod rabbitmq;
pub mod screen;

/// A finished command's stdout then stderr, as one text to search.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs the `kedatui` binary with `args`: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .output()
        .expect("run kedatui");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run`], but the process is killed (and the test fails) if it has not exited after `limit`:
/// for input that once made kedatui hang or eat memory.
pub fn run_within(args: &[&str], limit: std::time::Duration) -> (i32, String, String) {
    use std::io::Read as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kedatui");
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for kedatui") {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kedatui {args:?} did not exit within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code().expect("exit code"), stdout, stderr)
}

/// The main loop's work below the terminal: apply `events` to `app` and route its commands to
/// `sources`, until `cond` holds; fails after `timeout` with what the App shows.
pub async fn pump_until(
    timeout: std::time::Duration,
    app: &mut kedatui::app::App,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<kedatui::event::Event>,
    sources: &kedatui::source::Sources,
    what: &str,
    cond: impl Fn(&kedatui::app::App) -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !cond(app) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                for command in app.update(event) {
                    sources.route(&command);
                }
            }
            Ok(None) => panic!("every source stopped while waiting for {what}"),
            Err(_) => panic!(
                "timed out waiting for {what}: depth {}, spec {:?}, pods {}, health {:?}",
                app.depth(),
                app.deployment_spec(),
                app.cluster.pods.len(),
                app.health
            ),
        }
    }
}

/// The prompt the exec plugin of [`blocking_exec_kubeconfig`] prints, as kubelogin's device code
/// sign-in does.
pub const EXEC_PROMPT: &str = "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code KEDATUI-TEST";

/// A kubeconfig in `dir` whose user signs in with an exec plugin that prints [`EXEC_PROMPT`] on
/// stderr and then waits (for a sign-in that never comes). Returns the kubeconfig and the file
/// the plugin writes its process id to, for [`kill_exec_plugin`].
pub fn blocking_exec_kubeconfig(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let pid_file = dir.join("exec-plugin.pid");
    let plugin = dir.join("exec-plugin.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho $$ > '{}'\necho '{EXEC_PROMPT}' >&2\nexec sleep 600\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n\
             users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n\
             \x20     command: {}\n      interactiveMode: IfAvailable\n",
            plugin.display()
        ),
    )
    .unwrap();
    (kubeconfig, pid_file)
}

/// Kill the exec plugin of [`blocking_exec_kubeconfig`] once it has written its process id
/// (fails after `limit` if it never started).
pub fn kill_exec_plugin(pid_file: &std::path::Path, limit: std::time::Duration) {
    let deadline = std::time::Instant::now() + limit;
    let pid = loop {
        if let Some(pid) = std::fs::read_to_string(pid_file)
            .ok()
            .filter(|p| p.ends_with('\n'))
        {
            break pid.trim().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the exec plugin never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // nix, not the `kill` program: a minimal system has no procps.
    if let Ok(pid) = pid.parse::<i32>() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
}

/// kedatui with `args`, `envs` and the Service Bus variables not in `envs` removed; stdout and
/// stderr piped, stdin empty.
pub fn spawn_kedatui(args: &[&str], envs: &[(&str, &str)]) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kedatui"));
    command.args(args);
    for var in pty::SERVICEBUS_VARS {
        command.env_remove(var);
    }
    command
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kedatui")
}

/// Wait for `child` to exit; kill it and fail if it has not after `limit`.
pub fn wait_within(child: &mut std::process::Child, limit: std::time::Duration) -> i32 {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for kedatui") {
            return status.code().expect("exit code");
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kedatui did not exit within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// All of a pipe's text (after the process and everything holding the pipe exited).
pub fn read_all(pipe: Option<impl std::io::Read>) -> String {
    let mut text = String::new();
    pipe.expect("piped").read_to_string(&mut text).unwrap();
    text
}

/// A FIFO named `fifo` in `dir` (nix, not the `mkfifo` program).
pub fn fifo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("fifo");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    path
}
