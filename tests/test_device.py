"""gzmorph.device: the GPU a job was given or the CPU with the rule's threads, and the job context in the log."""

import logging
import socket

import pytest
import torch

from gzmorph.device import log_job_context, pick_device


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_cpu_fallback_uses_the_rules_threads_and_logs_the_job(monkeypatch, caplog, restore_threads):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    target = 1 if torch.get_num_threads() != 1 else 2
    with caplog.at_level(logging.INFO, logger="gzmorph.device"):
        device = pick_device(target)
    assert device == torch.device("cpu")
    assert torch.get_num_threads() == target
    assert f"cpu with {target} threads" in caplog.text
    assert "CUDA_VISIBLE_DEVICES=0" in caplog.text
    assert "SLURM_JOB_ID=4242" in caplog.text


def test_visible_gpu_is_used_and_threads_are_left_alone(monkeypatch, caplog, restore_threads):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: "Crafted GPU")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    before = torch.get_num_threads()
    with caplog.at_level(logging.INFO, logger="gzmorph.device"):
        device = pick_device(before + 1)
    assert device == torch.device("cuda", 0)
    assert torch.get_num_threads() == before
    assert "Crafted GPU" in caplog.text
    assert "CUDA_VISIBLE_DEVICES=3" in caplog.text
    assert "SLURM_JOB_ID=unset" in caplog.text


def test_real_device_matches_what_torch_sees(restore_threads):
    device = pick_device(1)
    assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    torch.ones(2, device=device).sum().item()


def test_threads_below_one_are_refused():
    with pytest.raises(ValueError, match="threads must be at least 1"):
        pick_device(0)


@pytest.mark.parametrize("job_id", ["17", None])
def test_job_context_names_host_and_slurm_job(monkeypatch, caplog, job_id):
    if job_id is None:
        monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    else:
        monkeypatch.setenv("SLURM_JOB_ID", job_id)
    with caplog.at_level(logging.INFO, logger="gzmorph.device"):
        context = log_job_context()
    expected = job_id or "unset"
    assert context == {"host": socket.gethostname(), "SLURM_JOB_ID": expected}
    assert f"SLURM_JOB_ID={expected}" in caplog.text
    assert f"host={socket.gethostname()}" in caplog.text
