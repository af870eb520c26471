"""The real lapord binary and its configuration file: a good file starts (and --check-config
says so), every bad one stops lapord at once with exit code 2 and ONE line on stderr naming the
file, the line and what is wrong; secrets never appear in that line."""
import os
import re
import shutil
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
    # It needs no secret from the environment (test_example_config.py runs it).
    example = os.path.join(SOURCE_DIR, "config", "lapord.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPORD_")}
    p = subprocess.run([binary("lapord"), "--config", example, "--check-config"],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0, p.stderr
    assert "configuration OK (2 carriers)" in p.stdout


PRODUCTION_SECRETS = ["LAPORD_TSEL_PASSWORD", "LAPORD_REF_KEY", "LAPORD_STORE_TOKEN",
                      "LAPORD_API_TOKEN", "LAPORD_ADMIN_TOKEN"]


def test_check_config_names_every_missing_secret_of_the_production_template():
    # In a folder of its own with its aliases.tsv, as the package installs it in /etc/lapord.
    workdir = tempfile.mkdtemp(prefix="lapord-production-")
    template = os.path.join(workdir, "lapord.toml")
    shutil.copy(os.path.join(SOURCE_DIR, "config", "lapord.production.toml"), template)
    shutil.copy(os.path.join(SOURCE_DIR, "config", "directory", "aliases.tsv"), workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPORD_")}
    env["LAPORD_API_TOKEN"] = "the-api-token-value"
    p = subprocess.run([binary("lapord"), "--config", template, "--check-config"],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    secret_lines = [line for line in lines if "which is not set" in line]
    assert [n for n in PRODUCTION_SECRETS if n != "LAPORD_API_TOKEN"] == [
        re.search(r'"(LAPORD_\w+)"', line).group(1) for line in secret_lines], lines
    # The rest: the package's data files, when it is not installed on this machine.
    for line in lines:
        assert line.startswith(f"lapord: {template}:"), line
        assert line in secret_lines or "/usr/share/lapord/" in line, line
    assert "the-api-token-value" not in p.stderr + p.stdout


def test_check_config_names_every_unreadable_file_and_secret_at_once():
    text = GOOD.replace('password = "secret"', 'password_env = "LAPORD_TEST_PW"') + (
        '[store]\n[service]\nref_key_env = "LAPORD_TEST_KEY"\ntemplates = "nowhere.txt"\n'
        'directory = "%s"\naliases = "%s"\ngreetings = "%s"\n[admin]\n'
        'token_env = "LAPORD_TEST_ADMIN"\n' % (
            os.path.join(SOURCE_DIR, "config/directory/institutions.tsv"),
            os.path.join(SOURCE_DIR, "config/directory/aliases.tsv"),
            os.path.join(SOURCE_DIR, "config/greetings-id.txt")))
    p, path = run(text, "--check-config")
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    print("\n".join(lines))
    assert len(lines) == 4, lines
    assert lines[0].startswith(f"lapord: {path}:10: ") and '"LAPORD_TEST_PW"' in lines[0]
    assert lines[1].startswith(f"lapord: {path}:13: ") and '"LAPORD_TEST_KEY"' in lines[1]
    assert lines[2].startswith(f"lapord: {path}:19: ") and '"LAPORD_TEST_ADMIN"' in lines[2]
    assert lines[3].startswith(f"lapord: {path}:14: [service] templates names a file that "
                               "cannot be read: ") and "nowhere.txt" in lines[3], lines[3]
    # The start says the same, before anything else.
    p2, path2 = run(text)
    assert p2.returncode == 2, p2.returncode
    same = [line.replace(os.path.dirname(path), os.path.dirname(path2)) for line in lines]
    assert p2.stderr.strip().splitlines() == same, (p2.stderr, path2)


def test_a_listener_beyond_loopback_is_a_warning():
    env = {"LAPORD_TEST_KEY": "0123456789abcdef-key"}
    text = GOOD + (
        '[store]\n[service]\nref_key_env = "LAPORD_TEST_KEY"\ntemplates = "%s"\ndirectory = "%s"\n'
        'aliases = "%s"\ngreetings = "%s"\n[api]\nlisten = "0.0.0.0:0"\ntoken = "t"\n' % (
            os.path.join(SOURCE_DIR, "config/templates-id.txt"),
            os.path.join(SOURCE_DIR, "config/directory/institutions.tsv"),
            os.path.join(SOURCE_DIR, "config/directory/aliases.tsv"),
            os.path.join(SOURCE_DIR, "config/greetings-id.txt")))
    p, path = run(text, "--check-config", env=env)
    assert p.returncode == 0, p.stderr
    assert "configuration OK" in p.stdout
    assert p.stderr.strip() == (
        f'lapord: warning: {path}:19: [api] listen = "0.0.0.0:0" is not on loopback, and lapord '
        'speaks plain HTTP there: put a TLS reverse proxy in front and let lapord listen on '
        '127.0.0.1 (README, "Behind a reverse proxy")'), p.stderr


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


def tls_config_dir():
    """A folder with lapord.toml's TLS files under certs/: a real CA, a file with no
    certificate, a client certificate with its key, and a key file that holds no key."""
    workdir = tempfile.mkdtemp(prefix="lapord-config-tls-")
    certs = os.path.join(workdir, "certs")
    os.mkdir(certs)
    for name in ("ca", "client"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj",
                        f"/CN=lapord test {name}"], cwd=certs, check=True, capture_output=True)
    # The easy mistake: the CA's key where its certificate should be (PEM, readable, no cert).
    with open(os.path.join(certs, "ca.key")) as key, open(os.path.join(certs, "no-cert.pem"),
                                                          "w") as f:
        f.write(key.read())
    with open(os.path.join(certs, "not-a-key.pem"), "w") as f:
        f.write("just text\n")
    return workdir


def check_tls(workdir, keys):
    path = os.path.join(workdir, "lapord.toml")
    with open(path, "w") as f:
        f.write(GOOD + "tls = true\n" + "".join(f'{k} = "{v}"\n' for k, v in keys.items()))
    # From another working directory: the TLS paths are relative to the configuration file.
    p = subprocess.run([binary("lapord"), "--config", path, "--check-config"], cwd="/",
                       capture_output=True, text=True, timeout=20)
    return p, path


def test_check_config_loads_the_tls_files_relative_to_the_file():
    workdir = tls_config_dir()
    p, _ = check_tls(workdir, {"tls_ca_file": "certs/ca.pem", "tls_cert_file": "certs/client.pem",
                               "tls_key_file": "certs/client.key"})
    assert p.returncode == 0, p.stderr
    # Readable but holding no certificate: the start would exit 2, so the check does (line 12).
    p, path = check_tls(workdir, {"tls_ca_file": "certs/no-cert.pem"})
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"lapord: {path}:12: [[carrier]] \"tsel\": tls_ca_file \""
                               f"{workdir}/certs/no-cert.pem\" cannot be loaded: "), lines[0]
    assert "no certificate" in lines[0], lines[0]
    print("  ", lines[0])
    p, path = check_tls(workdir, {"tls_cert_file": "certs/client.pem",
                                  "tls_key_file": "certs/not-a-key.pem"})
    assert p.returncode == 2 and f"{path}:13: " in p.stderr and "tls_key_file" in p.stderr, p.stderr
    print("  ", p.stderr.strip())
    # A key that is not the certificate's.
    p, path = check_tls(workdir, {"tls_cert_file": "certs/client.pem",
                                  "tls_key_file": "certs/ca.key"})
    assert p.returncode == 2 and f"{path}:13: " in p.stderr and "tls_key_file" in p.stderr, p.stderr
    print("  ", p.stderr.strip())
    # Not next to the configuration: named as resolved and as written.
    p, path = check_tls(workdir, {"tls_ca_file": "ca.pem"})
    assert p.returncode == 2, p.stderr
    assert f'tls_ca_file names a file that cannot be read: "{workdir}/ca.pem"' in p.stderr, p.stderr


def test_both_spellings_of_the_pair_bind_are_accepted():
    for spelling in ("transmitter_receiver", "transmitter+receiver"):
        p, _ = run(GOOD + f'bind = "{spelling}"\n', "--check-config")
        assert p.returncode == 0, p.stderr


if __name__ == "__main__":
    run_tests([
        test_check_config_accepts_a_good_file,
        test_check_config_loads_the_tls_files_relative_to_the_file,
        test_both_spellings_of_the_pair_bind_are_accepted,
        test_the_shipped_example_is_good,
        test_check_config_names_every_missing_secret_of_the_production_template,
        test_check_config_names_every_unreadable_file_and_secret_at_once,
        test_a_listener_beyond_loopback_is_a_warning,
        test_bad_lines_give_one_line_errors,
        test_secrets_never_appear_in_errors,
        test_missing_file_and_no_carrier,
        test_no_config_option_is_a_usage_error,
        test_unopenable_log_file_stops_the_start,
    ])
