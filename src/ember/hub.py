"""``torch.hub``'s counterpart: pretrained checkpoints and ``hubconf.py`` repositories, read
from a local cache first.

The cache lives in ``get_dir()``: ``$EMBER_HOME/hub`` (``EMBER_HOME`` defaults to
``$XDG_CACHE_HOME/ember``, else ``~/.cache/ember``), or whatever ``set_dir`` chose. Checkpoints
go to ``<hub dir>/checkpoints/<file name>``; GitHub repositories to
``<hub dir>/<owner>_<repo>_<ref>``. A file or repository already there is used without touching
the network; one that is missing is downloaded, and where the network cannot be reached the
error names the path to place it at by hand.

>>> import ember, os
>>> os.environ.get("EMBER_HOME") or ember.hub.get_dir().endswith("hub")
True
"""
import errno
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import uuid
import warnings
import zipfile
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load",
           "load_state_dict_from_url", "set_dir"]

ENV_EMBER_HOME = "EMBER_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
# a checkpoint's file name carries the first hex digits of its SHA-256: name-<hash>.ext
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
READ_DATA_CHUNK = 128 * 1024
# seconds to wait for a connection (name lookup included) before calling the network unreachable
NETWORK_TIMEOUT = 10.0
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")

_hub_dir = None


class HubOfflineError(URLError):
    """The network could not be reached for a file that is not in the cache yet."""

    def __str__(self):
        return str(self.reason)


def _ember_home():
    return os.path.expanduser(os.getenv(ENV_EMBER_HOME, os.path.join(
        os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "ember")))


def get_dir():
    """The hub cache directory: ``set_dir``'s choice, else ``$EMBER_HOME/hub``.

    >>> import ember, os
    >>> ember.hub.get_dir().startswith(os.path.expanduser(os.environ.get("EMBER_HOME", "~")))
    True
    """
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_ember_home(), "hub")


def set_dir(d):
    """Use ``d`` (``~`` expanded) as the hub cache directory from now on.

    >>> import ember, tempfile, os
    >>> d = tempfile.mkdtemp(); ember.hub.set_dir(d); ember.hub.get_dir() == d
    True
    """
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _open_url(url, destination):
    """``urlopen`` that gives up after ``NETWORK_TIMEOUT`` seconds, name lookup included.

    NOTE: urlopen's own timeout does not cover DNS resolution, which can stall far longer on a
    machine without network; the request runs on a helper thread so the caller never hangs."""
    # NOTE: imported here: urllib.request pulls in http.client and friends, which
    # `import ember` need not pay for
    from urllib.request import Request, urlopen
    outcome = {}

    def attempt():
        try:
            req = Request(url, headers={"User-Agent": "ember.hub"})
            outcome["response"] = urlopen(req, timeout=NETWORK_TIMEOUT)  # noqa: S310
        except BaseException as e:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = e

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(NETWORK_TIMEOUT)
    error = outcome.get("error")
    if "response" in outcome:
        return outcome["response"]
    if isinstance(error, HTTPError):
        raise error
    reason = "timed out" if error is None else getattr(error, "reason", error)
    raise HubOfflineError(
        f"could not download {url} ({reason}): the network is unreachable or the host is "
        f"down. To use it offline, place the file at {destination}") from error


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to the file ``dst`` (atomically: through a temporary file beside it),
    checking that its SHA-256 starts with ``hash_prefix`` when given.

    >>> import ember, tempfile, os, pathlib
    >>> d = tempfile.mkdtemp(); src = pathlib.Path(d, "a.bin"); _ = src.write_bytes(b"hi")
    >>> ember.hub.download_url_to_file(src.as_uri(), os.path.join(d, "b.bin"), progress=False)
    >>> open(os.path.join(d, "b.bin"), "rb").read()
    b'hi'
    """
    dst = os.path.expanduser(os.fspath(dst))
    response = _open_url(url, dst)
    size = None
    meta = response.info() if hasattr(response, "info") else None
    if meta is not None and meta.get("Content-Length"):
        size = int(meta.get("Content-Length"))
    # a partial download never appears under the final name
    for _ in range(tempfile.TMP_MAX):
        try:
            f = open(dst + "." + uuid.uuid4().hex + ".partial", "xb")
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "No usable temporary file name found")
    try:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        done = 0
        with response:
            while True:
                chunk = response.read(READ_DATA_CHUNK)
                if not chunk:
                    break
                f.write(chunk)
                done += len(chunk)
                if sha256 is not None:
                    sha256.update(chunk)
                if progress:
                    total = f"/{size}" if size else ""
                    sys.stderr.write(f"\r{done}{total} bytes")
        if progress:
            sys.stderr.write("\n")
        f.close()
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                                   f'"{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


def _is_legacy_zip_format(filename):
    # checkpoints from before PyTorch 1.6 were zips holding one legacy-format file
    if zipfile.is_zipfile(filename):
        infolist = zipfile.ZipFile(filename).infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def _legacy_zip_load(filename, model_dir, map_location, weights_only):
    from .serialization import load as _load
    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in "
                  "favor of default zipfile format introduced in 1.6. Please redo torch.save() "
                  "to save it in the new zipfile format.", FutureWarning, stacklevel=3)
    with zipfile.ZipFile(filename) as f:
        members = f.infolist()
        if len(members) != 1:
            raise RuntimeError("Only one file(not dir) is allowed in the zipfile")
        target = os.path.realpath(os.path.join(model_dir, members[0].filename))
        if not target.startswith(os.path.realpath(model_dir) + os.sep):
            raise ValueError(f"Refusing to extract {members[0].filename} outside {model_dir}")
        f.extract(members[0], model_dir)
    return _load(target, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=False):
    """The object saved at ``url``, loaded with ``ember.load``: from
    ``<model_dir or get_dir()/checkpoints>/<file name>`` when it is there, else downloaded
    there first (``check_hash`` checks the ``name-<sha256 prefix>.ext`` convention).

    >>> import ember, os
    >>> ember.hub.set_dir(__import__("tempfile").mkdtemp())
    >>> path = os.path.join(ember.hub.get_dir(), "checkpoints", "w.pt")
    >>> os.makedirs(os.path.dirname(path)); ember.save({"w": ember.ones(1)}, path)
    >>> ember.hub.load_state_dict_from_url("https://example.com/models/w.pt")
    {'w': tensor([1.])}
    """
    from .serialization import load as _load
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            found = HASH_REGEX.search(filename)
            hash_prefix = found.group(1) if found else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


# ---------------------------------------------------------------------------- hubconf repos
def _import_module(name, path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _on_sys_path:
    """Put a repository first on ``sys.path`` while its hubconf imports its own modules."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        sys.path.insert(0, self.path)

    def __exit__(self, *exc):
        try:
            sys.path.remove(self.path)
        except ValueError:
            pass


def _check_dependencies(module):
    import importlib.util
    deps = getattr(module, VAR_DEPENDENCY, None)
    if deps is not None:
        missing = [pkg for pkg in deps if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _entry(module, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(module)
    func = getattr(module, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _hubconf(repo_dir):
    with _on_sys_path(repo_dir):
        return _import_module("hubconf", os.path.join(repo_dir, MODULE_HUBCONF))


def _parse_repo_info(github):
    if ":" in github:
        repo_info, ref = github.split(":")
    else:
        repo_info, ref = github, None
    repo_owner, repo_name = repo_info.split("/")
    return repo_owner, repo_name, ref


def _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo):
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    filepath = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(filepath):
        open(filepath, "a").close()
    with open(filepath) as f:
        trusted = tuple(line.strip() for line in f)
    # a repository already in the cache counts as trusted, as in PyTorch
    cached = next(os.walk(hub_dir))[1]
    owner_name = f"{repo_owner}_{repo_name}"
    is_trusted = (owner_name in trusted or owner_name_branch in cached
                  or repo_owner in _TRUSTED_REPO_OWNERS)
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories "
            "and as such cannot be downloaded. Do you trust this repository and wish to add it "
            "to the trusted list of repositories (y/N)?")
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002 - PyTorch's type
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as f:
            f.write(owner_name + "\n")


def _github_archive_url(repo_owner, repo_name, ref):
    return f"https://github.com/{repo_owner}/{repo_name}/zipball/{ref}"


def _repo_dir(github, force_reload, trust_repo, verbose):
    """The cached checkout of ``owner/repo[:ref]``, downloaded when missing."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_owner, repo_name, ref = _parse_repo_info(github)
    if ref is None:
        # offline first: a cached main or master checkout answers without asking GitHub
        for candidate in ("main", "master"):
            if os.path.isdir(os.path.join(hub_dir, f"{repo_owner}_{repo_name}_{candidate}")):
                ref = candidate
                break
        else:
            ref = "main"
    normalized_ref = ref.replace("/", "_")
    owner_name_branch = "_".join([repo_owner, repo_name, normalized_ref])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    archive = os.path.join(hub_dir, normalized_ref + ".zip")
    url = _github_archive_url(repo_owner, repo_name, ref)
    try:
        download_url_to_file(url, archive, progress=False)
    except HubOfflineError as e:
        cause = getattr(e.__cause__, "reason", e.__cause__) or "timed out"
        raise HubOfflineError(
            f"could not download {github} from {url} ({cause}): the network is unreachable. "
            f"To use it offline, place a checkout of the repository (with its {MODULE_HUBCONF}) "
            f"at {repo_dir}") from e
    with zipfile.ZipFile(archive) as f:
        top = f.infolist()[0].filename.split("/")[0]
        root = os.path.realpath(hub_dir)
        for member in f.infolist():
            target = os.path.realpath(os.path.join(hub_dir, member.filename))
            if not target.startswith(root + os.sep):
                raise ValueError(f"Refusing to extract {member.filename} outside {hub_dir}")
        f.extractall(hub_dir)
    os.remove(archive)
    if os.path.exists(repo_dir):
        shutil.rmtree(repo_dir)
    shutil.move(os.path.join(hub_dir, top), repo_dir)
    return repo_dir


def _checked_source(source):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    return source


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False,
         verbose=True, skip_validation=False, **kwargs):
    """Call entrypoint ``model`` of a ``hubconf.py`` repository (``source="github"``: the
    ``owner/repo[:ref]`` checkout in the cache, downloaded when missing; ``source="local"``: a
    directory) with ``*args, **kwargs``.

    >>> import ember, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "hubconf.py"), "w").write("def twice(x):\\n    return 2 * x\\n")
    >>> ember.hub.load(d, "twice", 21, source="local")
    42
    """
    source = _checked_source(source)
    if source == "github":
        repo_or_dir = _repo_dir(repo_or_dir, force_reload, trust_repo, verbose)
    return _entry(_hubconf(repo_or_dir), model)(*args, **kwargs)


def list(github, force_reload=False, skip_validation=False, trust_repo="check",  # noqa: A001
         verbose=True):
    """The public entrypoints (callables not starting with ``_``) of repository ``github``."""
    module = _hubconf(_repo_dir(github, force_reload, trust_repo, verbose))
    return [name for name in dir(module)
            if callable(getattr(module, name)) and not name.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False,  # noqa: A001
         trust_repo="check"):
    """The docstring of entrypoint ``model`` of repository ``github``."""
    module = _hubconf(_repo_dir(github, force_reload, trust_repo, True))
    return _entry(module, model).__doc__
