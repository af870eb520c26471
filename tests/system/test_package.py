"""The Debian package, on this machine: scripts/package builds it, lintian finds no error in it,
`dpkg -i` installs lapord, laporctl, the data files, the conffiles, the unit, the man pages and
the completion, and creates the system user; the installed lapord checks the shipped
configuration and names exactly the secrets it misses; `dpkg -r` keeps the configuration,
`dpkg -P` removes it. The machine is left as it was found (the test refuses to start on a
machine that already has lapord installed or an /etc/lapord of its own), also when run as root
by CI. Without root it is skipped (it prints SKIP)."""
import fcntl
import os
import pwd
import re
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import BUILD_DIR, SOURCE_DIR, run_tests  # noqa: E402

PACKAGE = "lapord"
USER = "_lapord"
SECRETS = ["LAPORD_TSEL_PASSWORD", "LAPORD_REF_KEY", "LAPORD_STORE_TOKEN", "LAPORD_API_TOKEN",
           "LAPORD_ADMIN_TOKEN"]
# What the package puts outside dpkg's own lists (the maintainer scripts' doing).
SIDE_EFFECTS = ["/var/lib/lapord", "/etc/systemd/system/lapord.service",
                "/etc/systemd/system/multi-user.target.wants/lapord.service",
                "/var/lib/systemd/deb-systemd-helper-enabled/lapord.service.dsh-also",
                "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/lapord.service",
                "/var/lib/systemd/deb-systemd-helper-masked/lapord.service"]


def run(*argv, env=None, check=True):
    p = subprocess.run(list(argv), capture_output=True, text=True, timeout=600, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def dpkg(*args):
    """dpkg, waiting (at most 2 minutes) while another apt/dpkg holds its lock."""
    deadline = time.monotonic() + 120
    while True:
        p = run("dpkg", *args, check=False)
        if p.returncode == 0 or "lock" not in p.stderr or time.monotonic() > deadline:
            break
        time.sleep(1)
    if p.returncode != 0:
        raise AssertionError(f"dpkg {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def package_status():
    p = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE, check=False)
    return p.stdout.strip() if p.returncode == 0 else "absent"


def user_exists():
    try:
        pwd.getpwnam(USER)
        return True
    except KeyError:
        return False


def clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPORD_")}
    env["LC_ALL"] = "C.UTF-8"
    return env


def check_config(env):
    return run("/usr/bin/lapord", "--config", "/etc/lapord/lapord.toml", "--check-config",
               env=env, check=False)


def build_and_lint():
    p = run(os.path.join(SOURCE_DIR, "scripts", "package"),
            env=dict(os.environ, LAPORD_BUILD_DIR=BUILD_DIR))
    deb = p.stdout.strip().splitlines()[-1]
    assert re.search(r"/lapord_\d+\.\d+\.\d+_amd64\.deb$", deb), deb
    info = run("dpkg-deb", "--field", deb, "Depends").stdout
    # dpkg-shlibdeps computed the libraries from the binaries.
    for lib in ("libc6", "libsqlite3-0", "libssl3", "libsystemd0", "adduser", "hunspell-id",
                "libpq5"):
        assert lib in info, info
    lint = run("lintian", "--no-tag-display-limit", deb, check=False)
    errors = [line for line in lint.stdout.splitlines() if line.startswith("E: ")]
    print(lint.stdout.strip())
    assert not errors, "lintian errors:\n" + "\n".join(errors)
    return deb


def check_installed():
    for path in ("/usr/bin/lapord", "/usr/bin/laporctl"):
        assert os.access(path, os.X_OK), path
    for path in ("/usr/share/lapord/directory/institutions.tsv",
                 "/usr/share/lapord/directory/idn-area/LICENSE.md",
                 "/usr/share/lapord/directory/idn-area/SOURCE.md",
                 "/usr/share/lapord/templates-id.txt", "/usr/share/lapord/ussd-id.txt",
                 "/usr/share/lapord/greetings-id.txt",
                 "/usr/share/man/man8/lapord.8.gz", "/usr/share/man/man1/laporctl.1.gz",
                 "/usr/share/bash-completion/completions/laporctl",
                 "/usr/share/doc/lapord/copyright", "/lib/systemd/system/lapord.service",
                 "/usr/share/lapord/prometheus/lapord-rules.yml",
                 "/usr/share/lapord/grafana/lapord.json",
                 "/etc/lapord/aliases.tsv"):
        assert os.path.isfile(path), path
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).stdout
    for path in ("/etc/lapord/lapord.toml", "/etc/lapord/lapord.env", "/etc/lapord/aliases.tsv"):
        assert path in conffiles, conffiles
    env_file = os.stat("/etc/lapord/lapord.env")
    assert stat.S_IMODE(env_file.st_mode) == 0o600 and env_file.st_uid == 0, oct(env_file.st_mode)
    assert user_exists()
    state = os.stat("/var/lib/lapord")
    assert state.st_uid == pwd.getpwnam(USER).pw_uid and stat.S_IMODE(state.st_mode) == 0o700
    # Enabled (the symlink deb-systemd-helper makes), not started: it needs its secrets first.
    assert os.path.islink("/etc/systemd/system/multi-user.target.wants/lapord.service")
    unit = open("/lib/systemd/system/lapord.service").read()
    assert f"User={USER}" in unit and "DynamicUser=yes" not in unit


def check_shipped_configuration():
    # As shipped: exactly the secrets are missing, one line each, and nothing else.
    p = check_config(clean_env())
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    print("\n".join(lines))
    assert len(lines) == len(SECRETS), lines
    for name, line in zip(SECRETS, lines):
        assert line.startswith("lapord: /etc/lapord/lapord.toml:"), line
        assert f'"{name}", which is not set' in line, line
    # With them (as systemd gives them from lapord.env) the shipped file is complete.
    env = clean_env()
    env.update({name: "check-value-0123456789" for name in SECRETS})
    env["LAPORD_TSEL_PASSWORD"] = "pw123456"
    p = check_config(env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "lapord: /etc/lapord/lapord.toml: configuration OK (1 carrier)"
    assert "check-value" not in p.stdout + p.stderr
    # The installed completion works for the installed laporctl.
    p = run("bash", "-c", "source /usr/share/bash-completion/completions/laporctl; "
            "COMP_WORDS=(laporctl comp); COMP_CWORD=1; _laporctl; echo ${COMPREPLY[*]}")
    assert p.stdout.strip() == "complaints", p.stdout


def test_package_installs_checks_removes_and_purges():
    if os.geteuid() != 0:
        print("SKIP: installing a package needs root")
        return
    before = package_status()
    assert before == "absent" or before.startswith("un") or before.startswith("pn"), (
        f"lapord is already installed here ({before}): the test would not leave it as it was")
    assert not os.path.exists("/etc/lapord"), "/etc/lapord exists: not the test's to overwrite"
    had_user = user_exists()
    existed = {path: os.path.lexists(path) for path in SIDE_EFFECTS}
    deb = build_and_lint()
    try:
        dpkg("-i", deb)
        check_installed()
        check_shipped_configuration()

        dpkg("-r", PACKAGE)  # the configuration stays
        assert package_status() == "rc", package_status()
        assert not os.path.exists("/usr/bin/lapord")
        assert os.path.isfile("/etc/lapord/lapord.toml")
        assert os.path.isfile("/etc/lapord/lapord.env")

        dpkg("-P", PACKAGE)  # now everything goes
        assert package_status() in ("absent", "un", "pn"), package_status()
        assert not os.path.exists("/etc/lapord")
        for path in SIDE_EFFECTS:
            assert os.path.lexists(path) == existed[path], path
    finally:
        if package_status() not in ("absent", "un", "pn"):
            run("dpkg", "-P", PACKAGE, check=False)
        if not had_user and user_exists():
            # Debian keeps a package's system user on purge; this machine did not have it.
            run("userdel", USER, check=False)
            run("groupdel", USER, check=False)
        if not existed["/var/lib/lapord"] and os.path.isdir("/var/lib/lapord"):
            os.rmdir("/var/lib/lapord")


def locked(test):
    """One package test per machine at a time (other worktrees' ctest runs may start one)."""
    def run_locked():
        with open("/tmp/lapord-package-test.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            test()
    run_locked.__name__ = test.__name__
    return run_locked


if __name__ == "__main__":
    run_tests([locked(test_package_installs_checks_removes_and_purges)])
