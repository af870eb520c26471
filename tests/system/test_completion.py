"""bash completion for laporctl (config/bash-completion/laporctl, installed by the package as
/usr/share/bash-completion/completions/laporctl): sourced in a real bash, it registers itself
and completes commands, subcommands, options and option values of the built laporctl (whose
--help it reads)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import SOURCE_DIR, binary, run_tests  # noqa: E402

COMPLETION = os.path.join(SOURCE_DIR, "config", "bash-completion", "laporctl")


def bash(script):
    # The built laporctl first on PATH, as `laporctl`: the completion runs the one being typed.
    env = dict(os.environ, PATH=os.path.dirname(binary("laporctl")) + ":" + os.environ["PATH"])
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", f"source {COMPLETION}\n{script}"],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout


def complete(line):
    """What TAB offers at the end of `line` (a trailing space: a new word)."""
    words = line.split(" ")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    out = bash(f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _laporctl; "
               'printf "%s\\n" "${COMPREPLY[@]}"')
    return [w for w in out.splitlines() if w]


def test_it_registers_for_laporctl():
    assert bash("complete -p laporctl").strip() == "complete -F _laporctl laporctl"


def test_commands_and_subcommands():
    assert complete("laporctl st") == ["status", "store"]
    assert complete("laporctl store ") == ["copy"]
    assert complete("laporctl p") == ["parse", "parked"]
    assert complete("laporctl complaints ") == ["list", "show"]
    assert complete("laporctl parked r") == ["retry"]
    assert complete("laporctl directory ") == ["generate", "check"]
    # Options and their values before the command are skipped.
    assert complete("laporctl --json --admin http://127.0.0.1:1 comp") == ["complaints"]
    assert "reload" in complete("laporctl ")
    # A command added later completes without editing the completion file.
    assert complete("laporctl t") == ["top"]


def test_options_and_their_values():
    assert complete("laporctl complaints list --st") == ["--status"]
    assert complete("laporctl complaints list --status re") == ["received", "responded",
                                                                "rejected"]
    assert complete("laporctl complaints list --forwarding p") == ["pending", "parked"]
    assert complete("laporctl --j") == ["--json"]
    assert complete("laporctl send --") == ["--help", "--carrier", "--to", "--from"]
    # A value nobody can guess: nothing offered, no command either.
    assert complete("laporctl send --to ") == []


def test_files_for_config():
    folder = tempfile.mkdtemp(prefix="lapord-completion-")
    open(os.path.join(folder, "lapord.toml"), "w").close()
    assert complete(f"laporctl parse --config {folder}/lap") == [f"{folder}/lapord.toml"]
    open(os.path.join(folder, "lapord.db"), "w").close()
    assert complete(f"laporctl store copy --from {folder}/lapord.d") == [f"{folder}/lapord.db"]


def test_variables_for_to_env():
    os.environ["LAPORD_PG_URL_COMPLETION_TEST"] = "host=127.0.0.1"
    assert "LAPORD_PG_URL_COMPLETION_TEST" in complete("laporctl store copy --to-env LAPORD_PG")


if __name__ == "__main__":
    run_tests([test_it_registers_for_laporctl, test_commands_and_subcommands,
               test_options_and_their_values, test_files_for_config, test_variables_for_to_env])
