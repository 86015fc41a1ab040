"""ember.hub against torch.hub on the same cache directory: checkpoints read from the cache,
downloads from a local HTTP server (hash checks, atomic files), hubconf repositories (local and
cached GitHub checkouts), and the offline errors, which must name the path to place and never
hang."""
import functools
import http.server
import io
import os
import socket
import threading
import time
import zipfile

import numpy as np
import pytest
import torch
import torch.hub

import ember
import ember.hub as eh


@pytest.fixture
def hub_dir(tmp_path):
    """A fresh cache directory for both libraries; their previous choices restored after."""
    old_e, old_t = eh._hub_dir, torch.hub.get_dir()
    d = str(tmp_path / "hub")
    eh.set_dir(d)
    torch.hub.set_dir(d)
    yield d
    eh._hub_dir = old_e
    torch.hub.set_dir(old_t)


@pytest.fixture
def server(tmp_path):
    """An HTTP server on localhost serving ``tmp_path / "www"``."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port_url(name):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/{name}"


def torch_state():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2).state_dict()


def same_state(e, t):
    assert list(e) == list(t)
    for k in t:
        assert str(e[k].dtype)[6:] == str(t[k].dtype)[6:]
        np.testing.assert_array_equal(e[k].numpy(), t[k].numpy())


# ---------------------------------------------------------------------------- the cache dir
def test_get_dir_follows_ember_home_xdg_and_set_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(eh, "_hub_dir", None)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "eh"))
    assert eh.get_dir() == str(tmp_path / "eh" / "hub")
    monkeypatch.delenv("EMBER_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert eh.get_dir() == str(tmp_path / "xdg" / "ember" / "hub")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert eh.get_dir() == os.path.expanduser("~/.cache/ember/hub")
    eh.set_dir("~/somewhere")
    assert eh.get_dir() == os.path.expanduser("~/somewhere")
    assert ember.hub is eh


# ---------------------------------------------------------------------------- checkpoints
def test_state_dict_from_the_cache_like_torch(hub_dir):
    sd = torch_state()
    path = os.path.join(hub_dir, "checkpoints", "linear-0123abcd.pth")
    os.makedirs(os.path.dirname(path))
    torch.save(sd, path)
    url = closed_port_url("models/linear-0123abcd.pth")   # never contacted: the file is there
    t = torch.hub.load_state_dict_from_url(url, check_hash=True)
    e = eh.load_state_dict_from_url(url, check_hash=True)
    same_state(e, t)
    m = ember.nn.Linear(3, 2)
    m.load_state_dict(e)
    # map_location and weights_only pass through to ember.load
    e2 = eh.load_state_dict_from_url(url, map_location="cpu", weights_only=True)
    same_state(e2, t)


def test_model_dir_and_file_name(hub_dir, tmp_path):
    sd = torch_state()
    other = tmp_path / "elsewhere"
    other.mkdir()
    torch.save(sd, other / "mine.pt")
    url = closed_port_url("w.pth?x=1")
    same_state(eh.load_state_dict_from_url(url, model_dir=str(other), file_name="mine.pt"),
               torch.hub.load_state_dict_from_url(url, model_dir=str(other),
                                                  file_name="mine.pt"))


def test_legacy_zip_checkpoint(hub_dir):
    sd = torch_state()
    inner = io.BytesIO()
    torch.save(sd, inner, _use_new_zipfile_serialization=False)
    path = os.path.join(hub_dir, "checkpoints", "old.zip")
    os.makedirs(os.path.dirname(path))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("old.pth", inner.getvalue())
    url = closed_port_url("old.zip")
    with pytest.warns(FutureWarning, match="Falling back to the old format < 1.6"):
        t = torch.hub.load_state_dict_from_url(url)
    with pytest.warns(FutureWarning, match="Falling back to the old format < 1.6"):
        e = eh.load_state_dict_from_url(url)
    same_state(e, t)


def test_download_from_server_with_hash(hub_dir, server, capfd):
    root, base = server
    torch.save(torch_state(), root / "w.pt")
    import hashlib
    digest = hashlib.sha256((root / "w.pt").read_bytes()).hexdigest()
    (root / f"w-{digest[:8]}.pt").write_bytes((root / "w.pt").read_bytes())
    e = eh.load_state_dict_from_url(f"{base}/w-{digest[:8]}.pt", check_hash=True,
                                    progress=False)
    same_state(e, torch_state())
    cached = os.path.join(hub_dir, "checkpoints", f"w-{digest[:8]}.pt")
    assert os.path.exists(cached)
    assert f'Downloading: "{base}/w-{digest[:8]}.pt" to {cached}' in capfd.readouterr().err
    assert sorted(os.listdir(os.path.dirname(cached))) == [f"w-{digest[:8]}.pt"]  # no temp


def test_wrong_hash_is_refused_like_torch(server, tmp_path):
    root, base = server
    (root / "w-deadbeef.pt").write_bytes(b"not what the name promises")
    outs = []
    for download in (torch.hub.download_url_to_file, eh.download_url_to_file):
        dst = tmp_path / f"out_{len(outs)}"
        with pytest.raises(RuntimeError) as info:
            download(f"{base}/w-deadbeef.pt", str(dst), hash_prefix="deadbeef", progress=False)
        outs.append(str(info.value))
        assert not dst.exists() and os.listdir(tmp_path) == ["www"]   # nothing left behind
    assert outs[0] == outs[1] and outs[1].startswith('invalid hash value (expected "deadbeef"')


def test_download_url_to_file_http_and_file_urls(server, tmp_path):
    root, base = server
    payload = bytes(range(256)) * 2000            # several read chunks
    (root / "blob.bin").write_bytes(payload)
    eh.download_url_to_file(f"{base}/blob.bin", str(tmp_path / "a.bin"), progress=True)
    assert (tmp_path / "a.bin").read_bytes() == payload
    eh.download_url_to_file((root / "blob.bin").as_uri(), str(tmp_path / "b.bin"),
                            hash_prefix="", progress=False)
    assert (tmp_path / "b.bin").read_bytes() == payload
    from urllib.error import HTTPError
    with pytest.raises(HTTPError):
        eh.download_url_to_file(f"{base}/missing.bin", str(tmp_path / "c.bin"))


# ---------------------------------------------------------------------------- offline
def test_offline_error_names_the_file_to_place(hub_dir):
    url = closed_port_url("models/resnet-1234.pth")
    start = time.monotonic()
    with pytest.raises(eh.HubOfflineError) as info:
        eh.load_state_dict_from_url(url, progress=False)
    assert time.monotonic() - start < 5
    place = os.path.join(hub_dir, "checkpoints", "resnet-1234.pth")
    assert f"place the file at {place}" in str(info.value) and url in str(info.value)
    from urllib.error import URLError
    assert isinstance(info.value, URLError)          # what torch.hub's callers catch
    # torch raises URLError for the same situation
    with pytest.raises(URLError):
        torch.hub.load_state_dict_from_url(url, progress=False)


def test_unresponsive_host_times_out(monkeypatch, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)                    # accepts connections, never answers
    try:
        monkeypatch.setattr(eh, "NETWORK_TIMEOUT", 0.5)
        start = time.monotonic()
        with pytest.raises(eh.HubOfflineError, match="timed out"):
            eh.download_url_to_file(f"http://127.0.0.1:{listener.getsockname()[1]}/x",
                                    str(tmp_path / "x"))
        assert time.monotonic() - start < 3
    finally:
        listener.close()


def test_unresolvable_host_fails_fast(hub_dir):
    start = time.monotonic()
    with pytest.raises(eh.HubOfflineError, match="place the file at"):
        eh.load_state_dict_from_url("https://no-such-host.invalid/m.pt", progress=False)
    assert time.monotonic() - start < eh.NETWORK_TIMEOUT + 2


# ---------------------------------------------------------------------------- hubconf repos
HUBCONF = '''
"""A test hub repository."""
dependencies = ["numpy"]
from helper import scale


def double(x, times=2):
    """Multiply x."""
    return scale(x, times)


def _private():
    pass


answer = 42
'''


def make_repo(path, hubconf=HUBCONF):
    path.mkdir(parents=True)
    (path / "hubconf.py").write_text(hubconf)
    (path / "helper.py").write_text("def scale(x, k):\n    return x * k\n")
    return str(path)


def test_local_source_like_torch(tmp_path):
    repo = make_repo(tmp_path / "repo")
    assert eh.load(repo, "double", 21, source="local") == torch.hub.load(
        repo, "double", 21, source="local") == 42
    assert eh.load(repo, "double", 5, source="local", times=3) == 15
    bad = make_repo(tmp_path / "bad", HUBCONF.replace('["numpy"]', '["numpy", "no_such_pkg"]'))
    cases = [((repo, "answer"), {"source": "local"}), ((repo, "nope"), {"source": "local"}),
             ((repo, 3), {"source": "local"}), ((bad, "double", 1), {"source": "local"}),
             ((repo, "double"), {"source": "svn"})]
    for args, kw in cases:
        with pytest.raises(Exception) as theirs:
            torch.hub.load(*args, **kw)
        with pytest.raises(Exception) as ours:
            eh.load(*args, **kw)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


def test_cached_github_repo_list_help_load(hub_dir, capfd):
    make_repo(__import__("pathlib").Path(hub_dir) / "someone_models_main")
    for lib in (torch.hub, eh):
        assert lib.list("someone/models", trust_repo=True) == ["double", "scale"]
        assert lib.help("someone/models", "double", trust_repo=True) == "Multiply x."
        assert lib.load("someone/models:main", "double", 4, trust_repo=True) == 8
    assert "Using cache found in" in capfd.readouterr().err
    with pytest.raises(RuntimeError, match="^Cannot find callable nope in hubconf$"):
        eh.help("someone/models", "nope", trust_repo=True)


def test_github_repo_offline_names_the_directory(hub_dir):
    start = time.monotonic()
    with pytest.raises(eh.HubOfflineError) as info:
        eh.load("someone/absent:v1", "x", trust_repo=True)
    assert time.monotonic() - start < eh.NETWORK_TIMEOUT + 2
    assert os.path.join(hub_dir, "someone_absent_v1") in str(info.value)
    with pytest.raises(eh.HubOfflineError, match="someone_absent_main"):
        eh.list("someone/absent", trust_repo=True)


def test_github_repo_downloaded_and_extracted(hub_dir, server, monkeypatch):
    root, base = server
    with zipfile.ZipFile(root / "repo.zip", "w") as z:
        z.writestr("someone-models-abc123/hubconf.py", HUBCONF)
        z.writestr("someone-models-abc123/helper.py", "def scale(x, k):\n    return x * k\n")
    monkeypatch.setattr(eh, "_github_archive_url", lambda owner, name, ref: f"{base}/repo.zip")
    assert eh.load("someone/models:dev", "double", 2, trust_repo=True) == 4
    assert os.path.exists(os.path.join(hub_dir, "someone_models_dev", "hubconf.py"))
    assert "someone_models" in open(os.path.join(hub_dir, "trusted_list")).read()


def test_untrusted_repo_asks_like_torch(hub_dir, monkeypatch):
    make_repo(__import__("pathlib").Path(hub_dir) / "x_y_main")
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    for lib in (torch.hub, eh):
        with pytest.raises(Exception, match="^Untrusted repository.$"):
            lib.load("x/y:main", "double", 1, trust_repo=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "maybe")
    with pytest.raises(ValueError, match="^Unrecognized response maybe.$"):
        eh.load("x/y:main", "double", 1, trust_repo=False)
