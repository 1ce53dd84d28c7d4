"""training.cpu_bfloat16: the CPU flags and the probe behind auto, true and false forcing, and the schema's values."""

import json
import os
import platform
import subprocess
import sys

import pytest
import torch
import yaml

from gzmorph import binding, precision
from gzmorph.config import ConfigError
from gzmorph.precision import choose_precision, native_bfloat16_flags, probe_rates
from gzmorph.settings import SLICES
from tests.scripts import CONFIG, shipped_config

CPU = torch.device("cpu")
TINY_CNN = {"architecture": "cnn", "head": "tree", "size": 16, "channels": [4, 8], "fc": [8], "dropout": 0.0}
CPUINFO = """processor\t: 0
vendor_id\t: {vendor}
flags\t\t: fpu sse sse2 avx avx2 {extra}
bugs\t\t: spectre_v1

processor\t: 1
flags\t\t: fpu sse sse2 avx avx2 {extra}
"""


def cpuinfo(tmp_path, extra: str, vendor: str = "GenuineIntel"):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO.format(vendor=vendor, extra=extra))
    return path


def never(*_):
    raise AssertionError("the probe ran")


def rates(float32: float, bfloat16: float):
    return lambda: {"float32": float32, "bfloat16": bfloat16}


@pytest.mark.parametrize(
    "extra, found",
    [
        ("avx512f avx512bw", ()),  # AVX512 without BF16: PyTorch's capability says AVX512 all the same
        ("avx512f avx512_bf16", ("avx512_bf16",)),
        ("amx_bf16 amx_tile avx512_bf16", ("avx512_bf16", "amx_bf16")),
        ("", ()),  # an AVX2 CPU (older AMD EPYC, many laptops): bfloat16 emulated, 8-13x slower
    ],
)
def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path, extra, found):
    assert native_bfloat16_flags(cpuinfo(tmp_path, extra)) == found


def test_without_cpuinfo_only_an_amx_capability_counts(tmp_path, monkeypatch):
    for capability, found in (("AVX512", ()), ("AVX2", ()), ("AMX", ("amx",))):
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda c=capability: c)
        assert native_bfloat16_flags(tmp_path / "absent") == found


def test_auto_takes_float32_without_probing_where_the_cpu_flags_lack_bfloat16(tmp_path):
    choice = choose_precision("auto", CPU, never, cpuinfo(tmp_path, "avx512f"))
    assert (choice.precision, choice.cpu_bfloat16, choice.rates) == ("float32", False, None)
    assert choice.reason == "auto: no native bfloat16 on this CPU"


def test_auto_with_native_bfloat16_takes_it_only_where_the_probe_finds_it_faster(tmp_path):
    flags = cpuinfo(tmp_path, "avx512_bf16")
    slower = choose_precision("auto", CPU, rates(260.0, 200.0), flags)
    assert slower.precision == "float32" and slower.rates == {"float32": 260.0, "bfloat16": 200.0}
    faster = choose_precision("auto", CPU, rates(260.0, 412.0), flags)
    assert faster.precision == "bfloat16" and faster.cpu_bfloat16
    assert (
        faster.reason == "auto: CPU flags show avx512_bf16; probe: bfloat16 412 images/s against float32 260 images/s"
    )


AUTO_ON_THIS_CPU = """
import json, sys, torch
from gzmorph.precision import choose_precision, probe_rates
spec = json.loads(sys.argv[1])
choice = choose_precision("auto", torch.device("cpu"), lambda: probe_rates(spec, 16, 32, torch.device("cpu")))
print(json.dumps({"capability": torch.backends.cpu.get_cpu_capability(), "precision": choice.precision,
                  "reason": choice.reason, "rates": choice.rates}))
"""


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="AVX2 kernels exist on x86 only")
def test_auto_takes_float32_on_this_cpu_where_bfloat16_runs_without_its_instructions():
    """PyTorch and oneDNN held to AVX2 emulate bfloat16, as on a CPU without AVX512-BF16 or AMX: with the CPU flags
    showing bfloat16 anyway (a CPU that has it), the real probe must find it slower and choose float32."""
    spec = {"architecture": "cnn", "head": "tree", "size": 32, "channels": [16, 32], "fc": [32], "dropout": 0.0}
    held_to_avx2 = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
    command = [sys.executable, "-c", AUTO_ON_THIS_CPU, json.dumps(spec)]
    result = subprocess.run(command, env=held_to_avx2, capture_output=True, text=True, check=True)
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["capability"] == "AVX2" and found["precision"] == "float32"
    if native_bfloat16_flags():  # decided by the probe's rates, not by the flags
        assert found["reason"].startswith("auto: CPU flags show")
        assert found["rates"]["bfloat16"] < found["rates"]["float32"]
    else:
        assert found["reason"] == "auto: no native bfloat16 on this CPU"


def test_true_and_false_force_the_precision_and_cuda_is_always_bfloat16(tmp_path):
    for flags in (cpuinfo(tmp_path, ""), cpuinfo(tmp_path, "amx_bf16")):
        assert choose_precision(True, CPU, never, flags).precision == "bfloat16"
        assert choose_precision(False, CPU, never, flags).precision == "float32"
    for configured in (True, False, "auto"):
        assert choose_precision(configured, torch.device("cuda", 0), never).precision == "bfloat16"
    assert choose_precision(False, CPU, never).reason == "cpu_bfloat16: false"
    with pytest.raises(ValueError, match="true, false or auto"):
        choose_precision("yes", CPU, never)


def test_the_probe_times_both_precisions_and_leaves_torchs_random_state_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    found = probe_rates(TINY_CNN, batch_size=8, size=16, device=CPU)
    assert set(found) == {"float32", "bfloat16"} and all(rate > 0 for rate in found.values())
    assert torch.equal(torch.rand(3), expected)  # training draws what it would have drawn without the probe


def test_a_job_resolves_auto_once_and_logs_why(caplog, monkeypatch):
    train = SLICES["train"]
    settings = train.typed(train.cut(shipped_config(), {"model": "cnn"})).training
    assert settings.cpu_bfloat16 == "auto"  # the shipped default
    monkeypatch.setattr(precision, "probe_rates", lambda *_: {"float32": 100.0, "bfloat16": 150.0})
    caplog.set_level("INFO", logger="gzmorph.precision")
    choice = precision.job_precision(TINY_CNN, settings, 16, CPU)
    flags = native_bfloat16_flags()
    assert choice.precision == ("bfloat16" if flags else "float32")
    assert f"training passes in {choice.precision} ({choice.reason})" in caplog.text


@pytest.mark.parametrize("value", ["auto", True, False])
def test_the_settings_take_auto_true_and_false(tmp_path, value):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"training": {"cpu_bfloat16": value}}))
    assert binding.load_config([str(CONFIG), str(overlay)])["training"]["cpu_bfloat16"] == value


def test_the_settings_refuse_other_values(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"training": {"cpu_bfloat16": "yes"}}))  # quoted: YAML's bare yes is true
    with pytest.raises(
        ConfigError, match=r"overlay.yaml: training.cpu_bfloat16: must be a valid boolean or 'auto' \(got 'yes'\)"
    ):
        binding.load_config([str(CONFIG), str(overlay)])
