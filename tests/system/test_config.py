"""The real lapord binary and its configuration file: a good file starts (and --check-config
says so), every bad one stops lapord at once with exit code 2 and ONE line on stderr naming the
file, the line and what is wrong; secrets never appear in that line."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import SOURCE_DIR, binary, run_tests  # noqa: E402

GOOD = """[daemon]
shutdown_timeout_s = 3
[log]
level = "info"
[[carrier]]
name = "tsel"
host = "127.0.0.1"
port = 2775
system_id = "lapord"
password = "secret"
"""


def run(text, *extra, env=None):
    workdir = tempfile.mkdtemp(prefix="lapord-config-")
    path = os.path.join(workdir, "lapord.toml")
    with open(path, "w") as f:
        f.write(text)
    full_env = dict(os.environ)
    full_env.pop("LAPORD_TEST_PW", None)
    full_env.update(env or {})
    p = subprocess.run([binary("lapord"), "--config", path, *extra], capture_output=True,
                       text=True, timeout=20, env=full_env)
    return p, path


def expect_error(text, line, says, env=None, secret=None):
    p, path = run(text, env=env)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2, (p.returncode, p.stderr, p.stdout)
    assert len(lines) == 1, f"expected one line, got: {p.stderr!r}"
    assert lines[0].startswith(f"lapord: {path}:{line}: "), lines[0]
    assert says in lines[0], lines[0]
    if secret:
        assert secret not in p.stderr and secret not in p.stdout
    print("  ", lines[0])


def test_check_config_accepts_a_good_file():
    p, path = run(GOOD, "--check-config")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"lapord: {path}: configuration OK (1 carrier)", p.stdout
    assert p.stderr == ""


def test_the_shipped_example_is_good():
    example = os.path.join(SOURCE_DIR, "config", "lapord.toml")
    env = dict(os.environ, LAPORD_XL_PASSWORD="xlpass")
    p = subprocess.run([binary("lapord"), "--config", example, "--check-config"],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0, p.stderr
    assert "configuration OK (2 carriers)" in p.stdout
    # Without the variable its password_env names, the example says exactly that.
    env.pop("LAPORD_XL_PASSWORD")
    p = subprocess.run([binary("lapord"), "--config", example, "--check-config"],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 2
    assert "LAPORD_XL_PASSWORD" in p.stderr and "not set" in p.stderr, p.stderr


def test_bad_lines_give_one_line_errors():
    expect_error(GOOD.replace("port = 2775", "port = 0"), 8,
                 'port must be an integer from 1 to 65535, got 0')
    expect_error(GOOD.replace("port = 2775", 'port = "2775"'), 8, "got \"2775\" (a string)")
    expect_error(GOOD + "windw = 5\n", 11, 'unknown key "windw"')
    expect_error(GOOD.replace("[log]", "[logging]"), 3, 'unknown table or key "logging"')
    expect_error(GOOD.replace('level = "info"', 'level = "verbose"'), 4,
                 "level must be one of trace, debug, info, warn, error, critical, off")
    expect_error(GOOD.replace('host = "127.0.0.1"\n', ""), 5, 'missing required key "host"')
    expect_error(GOOD + "bind = \"both\"\n", 11, "bind must be one of transceiver, transmitter_receiver")
    expect_error(GOOD + "reconnect_min_s = 5\nreconnect_max_s = 1\n", 12,
                 "reconnect_max_s must not be less than reconnect_min_s")
    expect_error(GOOD + "tls = true\ntls_ca_file = \"/nonexistent/ca.pem\"\n", 12,
                 "tls_ca_file names a file that cannot be read")
    expect_error(GOOD + "[[carrier]]\nname = \"tsel\"\nhost = \"h\"\nport = 1\nsystem_id = \"x\"\n"
                 "password = \"p\"\n", 12, 'name "tsel" is used twice')
    expect_error(GOOD + "port = 2776\n", 11, "not valid TOML")
    expect_error(GOOD.replace("shutdown_timeout_s = 3", "shutdown_timeout_s = -1"), 2,
                 "shutdown_timeout_s must be a number")


def test_secrets_never_appear_in_errors():
    expect_error(GOOD.replace('password = "secret"', 'password = "longsecret99"'), 10,
                 "password must be at most 8 characters", secret="longsecret99")
    text = GOOD.replace('password = "secret"', 'password_env = "LAPORD_TEST_PW"')
    expect_error(text, 10, '"LAPORD_TEST_PW", which is not set')
    expect_error(text, 10, "must hold at most 8 printable ASCII", env={"LAPORD_TEST_PW": "hunter2hunter2"},
                 secret="hunter2hunter2")
    p, _ = run(text, "--check-config", env={"LAPORD_TEST_PW": "hunter2"})
    assert p.returncode == 0, p.stderr


def test_missing_file_and_no_carrier():
    p = subprocess.run([binary("lapord"), "--config", "/nonexistent/lapord.toml"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2
    assert p.stderr.strip() == "lapord: /nonexistent/lapord.toml:0: cannot open the configuration file"
    expect_error("[daemon]\nshutdown_timeout_s = 3\n", 0, "no [[carrier]] table")


def test_no_config_option_is_a_usage_error():
    p = subprocess.run([binary("lapord")], capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "--config" in p.stderr + p.stdout


def test_unopenable_log_file_stops_the_start():
    p, path = run(GOOD.replace('level = "info"', 'level = "info"\nfile = "/nonexistent-dir/l.log"'))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot open log file /nonexistent-dir/l.log" in lines[0], p.stderr


if __name__ == "__main__":
    run_tests([
        test_check_config_accepts_a_good_file,
        test_the_shipped_example_is_good,
        test_bad_lines_give_one_line_errors,
        test_secrets_never_appear_in_errors,
        test_missing_file_and_no_carrier,
        test_no_config_option_is_a_usage_error,
        test_unopenable_log_file_stops_the_start,
    ])
