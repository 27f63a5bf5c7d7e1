"""grpo-lab's rewards as verl's custom reward function.

verl loads this file by path (custom_reward_function.path) and calls the function it names:

    compute_score(data_source, solution_str, ground_truth, extra_info=None) -> dict
        once per response (reward managers naive, prime, dapo; custom_reward_function.name=compute_score)

    compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None) -> list[dict]
        once per batch (reward_model.reward_manager=batch; custom_reward_function.name=compute_score_batch)

Both post to a running `deno task serve-rewards` (POST /score, POST /score_batch) and return what it
answers: {"score": total, "<reward>": value, ...}. verl uses "score" as the reward and logs the other
keys as reward_extra_info. A reward that does not apply to a sample (iou when the solution is not a box)
is None there; with null="nan" it is float("nan") instead, for code that takes numpy means of them.

How ground_truth becomes the solution (the server decides; see the README): a string as it is; a number
as its decimal text; a list of numbers as "[a, b, c, d]" (a box); a list of strings as "(1) a (2) b"; a
dict by its "solution", "answer" or "ground_truth" entry, its other entries joining the sample's meta.
extra_info may carry id or index, task, prompt or question, image_size [w, h], explanations and meta.

The standard library only (urllib, json), so the file runs in verl's environment as it is. Proxies are
not used: the reward server is on this machine or the cluster's own network.

Settings, from the environment, or from custom_reward_function.reward_kwargs (which wins):
    GRPO_LAB_REWARD_URL      url=      the server; default http://127.0.0.1:8765
    GRPO_LAB_REWARD_TIMEOUT  timeout=  seconds to wait for one answer; default 60
    GRPO_LAB_REWARD_NULL     null=     how a reward that does not apply arrives: "none" (default) or "nan"
"""

import json
import math
import os
import socket
import urllib.error
import urllib.request
import warnings

DEFAULT_URL = "http://127.0.0.1:8765"
DEFAULT_TIMEOUT_S = 60.0

# A proxy set for downloads on a cluster (HTTP_PROXY) must not carry calls to the reward server.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Keyword arguments already warned about, so that each is said once, not once per response.
_WARNED = set()


class RewardServerError(RuntimeError):
    """The reward server is not reachable, did not answer in time, or refused the request.

    status is the HTTP status (None when there was no answer); field names the request field at fault
    when the server says which (a 400).
    """

    def __init__(self, message, status=None, field=None):
        super().__init__(message)
        self.status = status
        self.field = field


def _settings(url, timeout, null):
    """The server URL, the timeout in seconds and the null mode, from the arguments or the environment."""
    url = (url or os.environ.get("GRPO_LAB_REWARD_URL") or DEFAULT_URL).rstrip("/")
    raw = timeout if timeout is not None else os.environ.get("GRPO_LAB_REWARD_TIMEOUT", DEFAULT_TIMEOUT_S)
    try:
        timeout_s = float(raw)
    except (TypeError, ValueError):
        timeout_s = math.nan
    if not timeout_s > 0:
        raise ValueError(f"grpo_lab_reward: the timeout must be a number of seconds > 0, got {raw!r}")
    null = str(null or os.environ.get("GRPO_LAB_REWARD_NULL") or "none").lower()
    if null not in ("none", "nan"):
        raise ValueError(f'grpo_lab_reward: GRPO_LAB_REWARD_NULL (null=) must be "none" or "nan", got {null!r}')
    return url, timeout_s, null


def _warn_unused(kwargs):
    new = sorted(set(kwargs) - _WARNED)
    if new:
        _WARNED.update(new)
        warnings.warn(
            f"grpo_lab_reward: ignoring argument(s) {', '.join(new)}; it takes url, timeout and null",
            stacklevel=3,
        )


def _plain(value):
    """json.dumps' fallback: numpy arrays and scalars (verl's non_tensor_batch) as plain Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"grpo_lab_reward: a {type(value).__name__} cannot be sent as JSON")


def _post(route, payload, url, timeout_s):
    """POSTs payload as JSON to url + route and returns the decoded answer; RewardServerError otherwise."""
    try:
        body = json.dumps(payload, default=_plain, allow_nan=False).encode("utf-8")
    except ValueError as e:
        raise ValueError(f"grpo_lab_reward: the request holds NaN or Infinity, which JSON cannot carry ({e})") from e
    request = urllib.request.Request(
        url + route, data=body, headers={"content-type": "application/json"}, method="POST"
    )
    down = (
        f"grpo-lab reward server {url} is not reachable"
        " (start it with `deno task serve-rewards --config RUN.json --port N`"
        " and set GRPO_LAB_REWARD_URL=http://HOST:N)"
    )
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {}
        error = answer.get("error", text) if isinstance(answer, dict) else text
        field = answer.get("field") if isinstance(answer, dict) else None
        raise RewardServerError(f"grpo-lab reward server {url}{route} answered {e.code}: {error}", e.code, field) from None
    except (socket.timeout, TimeoutError):
        raise RewardServerError(f"grpo-lab reward server {url}{route} did not answer within {timeout_s:g} s") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, (socket.timeout, TimeoutError)):
            raise RewardServerError(f"grpo-lab reward server {url}{route} did not answer within {timeout_s:g} s") from None
        raise RewardServerError(f"{down}: {e.reason}") from None
    except ConnectionError as e:
        raise RewardServerError(f"{down}: {e}") from None


def _checked(answer, route, null):
    """One answer object: a dict with a numeric "score"; None values become NaN when null == "nan"."""
    if not isinstance(answer, dict) or not isinstance(answer.get("score"), (int, float)):
        raise RewardServerError(f"grpo-lab reward server {route}: unexpected answer {answer!r}")
    if null == "nan":
        return {key: math.nan if value is None else value for key, value in answer.items()}
    return answer


def compute_score(data_source, solution_str, ground_truth, extra_info=None, url=None, timeout=None, null=None, **kwargs):
    """verl's custom reward function: {"score": total, "<reward>": value or None, ...} for one response."""
    _warn_unused(kwargs)
    url, timeout_s, null = _settings(url, timeout, null)
    payload = {
        "data_source": data_source,
        "solution_str": solution_str,
        "ground_truth": ground_truth,
        "extra_info": extra_info,
    }
    return _checked(_post("/score", payload, url, timeout_s), "/score", null)


def compute_score_batch(
    data_sources, solution_strs, ground_truths, extra_infos=None, url=None, timeout=None, null=None, **kwargs
):
    """verl's batch reward function (reward_manager=batch): one answer dict per response, in order."""
    _warn_unused(kwargs)
    url, timeout_s, null = _settings(url, timeout, null)
    payload = {
        "data_sources": data_sources,
        "solution_strs": solution_strs,
        "ground_truths": ground_truths,
        "extra_infos": extra_infos,
    }
    answer = _post("/score_batch", payload, url, timeout_s)
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != len(solution_strs):
        raise RewardServerError(f"grpo-lab reward server /score_batch: unexpected answer {answer!r}"[:500])
    return [_checked(result, "/score_batch", null) for result in results]
