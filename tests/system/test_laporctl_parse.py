"""laporctl parse: the real binary, the shipped configuration's [service] files, stdin in,
one JSON object per line out; and its errors for a broken configuration or bad JSON lines."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from lapord_harness import SOURCE_DIR, binary, run_tests  # noqa: E402

CONFIG = os.path.join(SOURCE_DIR, "config", "lapord.toml")


def laporctl(args, stdin, timeout=60):
    return subprocess.run([binary("laporctl")] + args, input=stdin.encode(), capture_output=True,
                          timeout=timeout)


def parse_lines(stdin, extra=()):
    r = laporctl(["parse", "--config", CONFIG, *extra], stdin)
    assert r.returncode == 0, r.stderr.decode()
    return [json.loads(l) for l in r.stdout.decode().splitlines()]


def test_plain_lines():
    out = parse_lines("LAPOR#TANGKAB#jalan berlubang dekat pasar\n"
                      "Bantuan PKH tidak sampai\n"
                      "cek 4821-9375\n"
                      "SLEMN jalan rusak parah sekali\n"
                      "UNREG LAPOR\n"
                      "MULAI\n"
                      "INFO\n"
                      "RAHASIA kepala desa minta uang pelicin\n")
    assert len(out) == 8, out
    c = out[0]
    assert c["decision"] == "complaint"
    assert c["institution"]["code"] == "36.03"
    assert c["institution"]["name"] == "Kabupaten Tangerang"
    assert c["institution"]["keyword"] == "TANGKAB"
    assert c["institution"]["corrected"] is False
    assert c["confidential"] is False
    assert c["text"] == "jalan berlubang dekat pasar"
    assert c["ref"] is None
    assert "utk Kab. Tangerang" in c["reply"] and len(c["reply"]) <= 160
    assert out[1]["decision"] == "complaint" and out[1]["institution"] is None
    assert out[1]["text"] == "Bantuan PKH tidak sampai"
    assert out[2]["decision"] == "status" and out[2]["ref"] == "48219375"
    assert "tidak ditemukan" in out[2]["reply"]
    assert out[3]["institution"]["keyword"] == "SLEMAN" and out[3]["institution"]["corrected"]
    assert [o["decision"] for o in out[4:7]] == ["stop", "start", "help"]
    assert out[7]["confidential"] is True and out[7]["institution"] is None


def test_greetings_and_addressees_are_set_aside():
    out = parse_lines("Selamat pagi, LAPOR SLEMAN jalan berlubang dekat pasar\n"
                      "Yth Bupati Sleman, jembatan di dusun kami putus\n"
                      "Pak RT minta uang untuk surat pindah\n"
                      "Pak, CEK 48219375\n"
                      "Selamat pagi\n")
    assert len(out) == 5, out
    assert out[0]["set_aside"] == "Selamat pagi" and out[0]["routed_by"] == "keyword"
    assert out[0]["institution"]["code"] == "34.04"
    assert out[0]["text"] == "jalan berlubang dekat pasar"
    assert out[1]["set_aside"] == "Yth Bupati Sleman" and out[1]["routed_by"] == "addressee"
    assert out[1]["institution"]["code"] == "34.04"
    assert out[1]["institution"]["keyword"] == "KABSLEMAN"
    assert out[1]["text"] == "jembatan di dusun kami putus"
    assert "utk Kab. Sleman" in out[1]["reply"]
    assert out[2]["set_aside"] == "Pak" and out[2]["routed_by"] == "national"
    assert out[2]["text"] == "Pak RT minta uang untuk surat pindah"
    assert out[3]["decision"] == "status" and out[3]["routed_by"] is None
    assert out[4]["decision"] == "help" and out[4]["reason"] == "too_short"


def test_json_in_keeps_line_breaks_and_senders():
    lines = [json.dumps({"from": "+6281234567890", "text": "Sleman\njalan rusak\nparah sekali 😡"}),
             json.dumps({"from": "TELKOMSEL", "ton": 5, "text": "Promo paket data murah sekali"}),
             json.dumps({"from": "1708", "text": "LAPOR TANGKAB jalan rusak parah"}),
             "not json",
             json.dumps({"from": "0812"}),
             json.dumps({"text": "Kota Administrasi Jakarta Selatan banjir di kemang tolong"})]
    r = laporctl(["parse", "--config", CONFIG, "--json-in"], "\n".join(lines) + "\n")
    assert r.returncode == 1, "bad lines must make the exit status 1"
    out = [json.loads(l) for l in r.stdout.decode().splitlines()]
    assert len(out) == 6, out
    assert out[0]["text"] == "jalan rusak\nparah sekali 😡"
    assert out[0]["institution"]["code"] == "34.04"
    assert out[1]["decision"] == "ignore" and out[1]["reply"] is None
    assert out[2]["decision"] == "ignore"
    assert out[3]["error"].startswith("line 4: expected a JSON object")
    assert out[4]["error"].startswith("line 5:")
    assert out[5]["institution"]["code"] == "31.74"
    assert b"line 4" in r.stderr


def test_broken_config_is_one_clear_line():
    tmp = tempfile.mkdtemp(prefix="lapord-laporctl-")
    try:
        cfg = os.path.join(tmp, "lapord.toml")
        with open(cfg, "w") as f:
            f.write("[service]\nservice_number = [\"1708\"]\n")
        r = laporctl(["parse", "--config", cfg], "INFO\n")
        assert r.returncode == 2
        assert r.stderr.decode().strip() == f"laporctl: {cfg}:2: unknown key \"service_number\" in [service]"
        # Aliases that give one keyword to two institutions: the error names both.
        shutil.copytree(os.path.join(SOURCE_DIR, "config", "directory"), os.path.join(tmp, "directory"))
        shutil.copy(os.path.join(SOURCE_DIR, "config", "templates-id.txt"), tmp)
        shutil.copy(os.path.join(SOURCE_DIR, "config", "greetings-id.txt"), tmp)
        with open(os.path.join(tmp, "directory", "aliases.tsv"), "a") as f:
            f.write("SLEMAN\t34.71\n")
        with open(cfg, "w") as f:
            f.write("[service]\n")
        r = laporctl(["parse", "--config", cfg], "INFO\n")
        assert r.returncode == 2
        err = r.stderr.decode()
        assert "keyword SLEMAN names both 34.04 (Kabupaten Sleman" in err, err
        assert "34.71 (Kota Yogyakarta)" in err, err
        # A greeting that is a keyword would hide it: refused with the file and line.
        with open(os.path.join(tmp, "directory", "aliases.tsv"), "w") as f:
            f.write("# none\n")
        greetings = os.path.join(tmp, "greetings-id.txt")
        with open(greetings, "a") as f:
            f.write("address Sleman\n")
        with open(greetings) as f:
            line = len(f.read().splitlines())
        r = laporctl(["parse", "--config", cfg], "INFO\n")
        assert r.returncode == 2
        err = r.stderr.decode()
        assert f"{greetings}:{line}: word SLEMAN is a keyword of 34.04" in err, err
        # Missing config file.
        r = laporctl(["parse", "--config", os.path.join(tmp, "nope.toml")], "INFO\n")
        assert r.returncode == 2 and b"nope.toml" in r.stderr
    finally:
        shutil.rmtree(tmp)


def test_directory_check_and_generate():
    r = laporctl(["directory", "check", "--config", CONFIG], "")
    assert r.returncode == 0, r.stderr.decode()
    assert "provinsi 38, kabupaten 416, kota 98" in r.stdout.decode()
    r = laporctl(["directory", "generate", "--from",
                  os.path.join(SOURCE_DIR, "config", "directory", "idn-area")], "")
    assert r.returncode == 0
    with open(os.path.join(SOURCE_DIR, "config", "directory", "institutions.tsv"), "rb") as f:
        assert r.stdout == f.read()


if __name__ == "__main__":
    run_tests([test_plain_lines, test_greetings_and_addressees_are_set_aside,
               test_json_in_keeps_line_breaks_and_senders,
               test_broken_config_is_one_clear_line, test_directory_check_and_generate])
