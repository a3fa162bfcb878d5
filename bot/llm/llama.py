"""The llama.cpp adapter: a GGUF model run in this process, one generation at a time."""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import threading
import time
from collections import abc, deque
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ModelError
from bot.llm.copy import CopyConstraint, SpanRead, SpanScore
from bot.llm.gguf import check_gguf
from bot.llm.interface import Capabilities, Generation, Prompt, TokenCallback, check_max_tokens
from bot.llm.streaming import collect

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = ["CHAT_FORMATS", "LlamaGenerator"]

CHAT_FORMATS = ("auto", "completion", "chat")

_CHAT_TEMPLATE_KEY = "tokenizer.chat_template"
_N_BATCH = 512
_GGML_LOG_LEVEL_ERROR = 4  # enum ggml_log_level in ggml.h
_llama_logger = logging.getLogger("bot.llm.llama_cpp")


class _LlamaLog:
    """Route llama.cpp's log lines to Python logging at DEBUG, keeping the error lines."""

    def __init__(self) -> None:
        self.errors: deque[str] = deque(maxlen=32)
        self._callback: Any = None

    def install(self) -> None:
        """Replace llama-cpp-python's handler, whose stale level table prints warnings."""
        import llama_cpp

        if self._callback is not None:
            return

        @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
        def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            message = text.decode("utf-8", errors="replace").strip()
            if message:
                if level == _GGML_LOG_LEVEL_ERROR:
                    self.errors.append(message)
                _llama_logger.debug("%s", message)

        # llama.cpp keeps only a pointer: the callback object must stay alive.
        self._callback = callback
        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))

    def load_failure(self) -> str:
        """Return llama.cpp's reason for the last failed load, as a parenthesised clause."""
        if not self.errors:
            return ""
        reason = self.errors[0].split(": ", 1)[-1].removeprefix("error loading model: ")
        return f" ({reason})"


# The log handler is process-wide in llama.cpp, so its router is too.
_LLAMA_LOG = _LlamaLog()


class LlamaGenerator:
    """A GGUF model run by llama.cpp; one generation at a time, the KV cache kept between."""

    def __init__(
        self,
        llama: Llama,
        *,
        name: str,
        chat: bool,
        temperature: float,
        seed: int,
        repeat_penalty: float,
    ) -> None:
        """Wrap a loaded Llama; use LlamaGenerator.load to build one from a file."""
        import llama_cpp

        self.name = name
        # A llama.cpp context runs one sequence: one generation at a time.
        self.capabilities = Capabilities(
            instruct=chat, streaming=True, exact_tokens=True, copy_spans=True
        )
        self._llama = llama
        self._temperature = temperature
        self._seed = seed
        self._repeat_penalty = repeat_penalty
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._is_eog = llama_cpp.llama_vocab_is_eog
        # A llama.cpp context is not reentrant: one generation at a time.
        self._lock = threading.Lock()
        self._closed = False
        self._formatter: Any = None
        self._pieces_cache: dict[int, str] = {}
        self._system_role = True
        if chat:
            self._formatter, self._system_role = _chat_formatter(llama)

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        n_ctx: int,
        n_threads: int,
        seed: int,
        temperature: float,
        chat_format: str = "auto",
        repeat_penalty: float = 1.1,
    ) -> LlamaGenerator:
        """Load the GGUF model at path; raise ModelError in one sentence if it cannot be used."""
        if n_ctx < 1:
            raise ValueError(f"n_ctx must be at least 1, got {n_ctx}")
        if n_threads < 1:
            raise ValueError(f"n_threads must be at least 1, got {n_threads}")
        if temperature < 0:
            raise ValueError(f"temperature must be 0 or more, got {temperature}")
        if repeat_penalty <= 0:
            raise ValueError(f"repeat_penalty must be positive, got {repeat_penalty}")
        if chat_format not in CHAT_FORMATS:
            raise ValueError(f"chat_format must be one of {CHAT_FORMATS}, got {chat_format!r}")
        check_gguf(path)
        import llama_cpp

        _LLAMA_LOG.install()
        _LLAMA_LOG.errors.clear()
        try:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_batch=_N_BATCH,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=seed,
                use_mmap=True,
                logits_all=False,
                # Sliding-window layers (Gemma 3) otherwise drop old cache cells, and a
                # reused prefix could then silently miss context.
                swa_full=True,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"llama.cpp could not load model file {path}{_LLAMA_LOG.load_failure()}; "
                f"use a GGUF model whose architecture llama-cpp-python "
                f"{llama_cpp.__version__} supports."
            ) from exc
        has_template = bool(llama.metadata.get(_CHAT_TEMPLATE_KEY))
        if chat_format == "chat" and not has_template:
            llama.close()
            raise ModelError(
                f"Model file {path} has no chat template ({_CHAT_TEMPLATE_KEY}); "
                'set WARTA_MODEL_CHAT_FORMAT to "completion" or "auto".'
            )
        chat = chat_format == "chat" or (chat_format == "auto" and has_template)
        try:
            return cls(
                llama,
                name=path.stem,
                chat=chat,
                temperature=temperature,
                seed=seed,
                repeat_penalty=repeat_penalty,
            )
        except ModelError:
            llama.close()
            raise

    @property
    def n_ctx(self) -> int:
        """Return the context size in tokens (prompt plus completion)."""
        return int(self._llama.n_ctx())

    def count_tokens(self, text: str) -> int:
        """Return how many tokens text takes in the model's vocabulary."""
        # Tokenising only reads the vocabulary, so it needs no lock.
        self._check_open()
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        """Generate a completion for prompt, streaming text pieces to on_token."""
        check_max_tokens(max_tokens)
        with self._lock:
            self._check_open()
            started = time.perf_counter()
            tokens = self._prompt_tokens(prompt)
            room = self.n_ctx - len(tokens)
            if room < 1:
                raise ModelError(
                    f"The prompt takes {len(tokens)} tokens but the model context holds "
                    f"{self.n_ctx}; raise WARTA_MODEL_CTX or send fewer passages."
                )
            # The same seed for every call makes sampled answers repeatable.
            self._llama.set_seed(self._seed)
            with contextlib.closing(self._pieces(tokens)) as pieces:
                return collect(
                    pieces,
                    prompt_tokens=len(tokens),
                    stop=prompt.stop,
                    max_tokens=min(max_tokens, room),
                    on_token=on_token,
                    started=started,
                )

    def read_span(
        self, prompt: Prompt, texts: Sequence[str], *, max_tokens: int, whole: bool = False
    ) -> SpanRead:
        """Greedily generate a verbatim span of one of ``texts`` (copy-constrained); with
        ``whole``, one of ``texts`` entire."""
        check_max_tokens(max_tokens)
        with self._lock:
            self._check_open()
            started = time.perf_counter()
            tokens = self._prompt_tokens(prompt)
            seqs = [self._tokenize(" " + t) for t in texts if t.strip()]
            if not seqs:
                return SpanRead("", float("-inf"), 0, len(tokens), 0.0)
            constraint = CopyConstraint(
                seqs,
                word_start=self._word_start,
                word_char_start=self._word_char_start,
                whole=whole,
            )
            picked, logprobs = self._copy_loop(tokens, constraint, max_tokens)
        text = self._llama.detokenize(picked).decode("utf-8", errors="replace")
        return SpanRead(
            text=text.strip(),
            logprob=sum(logprobs) / len(logprobs) if logprobs else float("-inf"),
            tokens=len(picked),
            prompt_tokens=len(tokens),
            total_ms=(time.perf_counter() - started) * 1000,
        )

    def score_spans(self, prompt: Prompt, texts: Sequence[str]) -> list[SpanScore]:
        """Return the log-probability of each of ``texts`` as the whole completion of
        ``prompt`` (its tokens, then the end of the line), teacher-forced."""
        with self._lock:
            self._check_open()
            tokens = self._prompt_tokens(prompt)
            end = self._tokenize("\n")[-1:]
            seqs = [self._tokenize(" " + t) + end for t in texts]
            if len(tokens) + max(map(len, seqs), default=0) + 1 > self.n_ctx:
                raise ModelError(
                    f"The prompt takes {len(tokens)} tokens but the model context holds "
                    f"{self.n_ctx}; raise WARTA_MODEL_CTX or send fewer passages."
                )
            first = self._eval_prompt(tokens)
            return [SpanScore(self._continuation_logprob(first, seq), len(seq)) for seq in seqs]

    def _eval_prompt(self, tokens: list[int]) -> Any:
        """Bring the KV cache to exactly ``tokens`` (reusing the cached prefix); return the
        log-probabilities of the next token."""
        import numpy as np

        llama = self._llama
        cached = llama.input_ids[: llama.n_tokens]
        same = 0
        for a, b in zip(cached, tokens[:-1], strict=False):
            if a != b:
                break
            same += 1
        llama.n_tokens = same
        try:
            llama.eval(tokens[same:])
        except RuntimeError as exc:
            message = f"llama.cpp failed while reading ({exc}); try a shorter prompt."
            raise ModelError(message) from exc
        ctx: Any = llama._ctx  # llama-cpp-python's internal context: its logits buffer
        logits = np.ctypeslib.as_array(ctx.get_logits(), shape=(llama.n_vocab(),))
        return _log_softmax(logits)

    def _continuation_logprob(self, first: Any, seq: list[int]) -> float:
        """Score ``seq`` after the evaluated prompt in one batch; the cache is left as it was."""
        import numpy as np

        llama = self._llama
        ctx: Any = llama._ctx
        n = llama.n_tokens
        total = float(first[seq[0]])
        if len(seq) > 1:
            llama._batch.set_batch(batch=seq[:-1], n_past=n, logits_all=True)
            try:
                ctx.decode(llama._batch)
                rows = np.ctypeslib.as_array(
                    ctx.get_logits(), shape=(len(seq) - 1, llama.n_vocab())
                )
                pairs = zip(rows, seq[1:], strict=True)
                total += sum(float(_log_softmax(row)[t]) for row, t in pairs)
            finally:
                ctx.kv_cache_seq_rm(-1, n, -1)
                # The context's logits are the batch's now: the next call must decode again.
                llama._requires_eval = True
        return total

    def _copy_loop(
        self, tokens: list[int], constraint: CopyConstraint, max_tokens: int
    ) -> tuple[list[int], list[float]]:
        """Run greedy decoding under ``constraint``; return the tokens and their logprobs."""
        import llama_cpp
        import numpy as np

        end = int(self._llama.token_eos())
        state: dict[str, Any] = {"ok": set(), "can_end": False}
        logprobs: list[float] = []
        picked: list[int] = []

        def processor(_ids: Any, scores: Any) -> Any:
            ok, can_end = constraint.allowed()
            if can_end:
                ok = ok | {end}
            idx = np.fromiter(ok, dtype=np.intc, count=len(ok))
            masked = np.full_like(scores, -np.inf)
            masked[idx] = scores[idx]
            # The model's own belief in each step, before the mask: the span's confidence.
            top = float(np.max(scores))
            state["lse"] = top + float(np.log(np.sum(np.exp(scores - top))))
            state["allowed"] = {int(t): float(scores[t]) for t in idx}
            return masked

        stream = self._llama.generate(
            tokens,
            temp=0.0,
            top_k=1,
            repeat_penalty=1.0,
            logits_processor=llama_cpp.LogitsProcessorList([processor]),
        )
        try:
            for token in stream:
                if token == end or self._is_eog(self._vocab, token):
                    break
                logprobs.append(state["allowed"].get(int(token), -1e9) - state["lse"])
                picked.append(int(token))
                constraint.advance(int(token))
                if len(picked) >= max_tokens:
                    break
        except RuntimeError as exc:
            message = f"llama.cpp failed while reading ({exc}); try a shorter prompt."
            raise ModelError(message) from exc
        finally:
            stream.close()
        return picked, logprobs

    def _tokenize(self, text: str) -> list[int]:
        return list(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _piece(self, token: int) -> str:
        piece = self._pieces_cache.get(token)
        if piece is None:
            piece = self._llama.detokenize([token]).decode("utf-8", errors="replace")
            self._pieces_cache[token] = piece
        return piece

    def _word_start(self, token: int) -> bool:
        piece = self._piece(token)
        return piece.startswith(" ") and len(piece) > 1

    def _word_char_start(self, token: int) -> bool:
        piece = self._piece(token)
        return piece[:1].isalnum()

    def close(self) -> None:
        """Free the model and its context; call it once no other call is running."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._llama.close()

    def _check_open(self) -> None:
        # Using a freed llama.cpp model would crash the process, not raise.
        if self._closed:
            raise ModelError(f"The model {self.name} was closed; load it again to use it.")

    def _prompt_tokens(self, prompt: Prompt) -> list[int]:
        if not self.capabilities.instruct:
            # special=False: passages cannot smuggle control tokens into the prompt.
            return list(self._llama.tokenize(prompt.completion.encode("utf-8"), add_bos=True))
        if self._system_role:
            messages = [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ]
        else:
            messages = [{"role": "user", "content": f"{prompt.system}\n\n{prompt.user}"}]
        try:
            text = self._formatter(messages=messages).prompt
        except Exception as exc:  # the template may raise anything jinja2 can
            raise ModelError(
                f"The chat template of model {self.name} failed on this prompt ({exc}); "
                'set WARTA_MODEL_CHAT_FORMAT to "completion".'
            ) from exc
        # Chat templates write the BOS token themselves.
        return list(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _pieces(self, tokens: list[int]) -> abc.Generator[str | None, None, None]:
        """Yield the text of each generated token, None for an end token."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # Llama.generate reuses the KV cache for the longest common prefix with the last call.
        stream = self._llama.generate(
            tokens,
            temp=self._temperature,
            repeat_penalty=self._repeat_penalty,
            top_k=40,
            top_p=0.95,
            min_p=0.05,
        )
        try:
            while True:
                try:
                    token = next(stream)
                except StopIteration:
                    return
                except RuntimeError as exc:
                    raise ModelError(
                        f"llama.cpp failed while generating ({exc}); try a shorter prompt."
                    ) from exc
                if self._is_eog(self._vocab, token):
                    yield None
                    return
                # Bytes of a multi-byte character may span tokens: decode incrementally.
                yield decoder.decode(self._llama.detokenize([token]))
        finally:
            stream.close()


def _chat_formatter(llama: Llama) -> tuple[Any, bool]:
    """Build the formatter for the model's chat template and tell if it takes a system role."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(token: int) -> str:
        if token < 0:
            return ""
        return llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    template = llama.metadata[_CHAT_TEMPLATE_KEY]
    try:
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=token_text(llama.token_eos()),
            bos_token=token_text(llama.token_bos()),
        )
    except Exception as exc:  # jinja2 raises many types for a broken template
        raise ModelError(
            f"The chat template of model {llama.model_path} does not parse ({exc}); "
            'set WARTA_MODEL_CHAT_FORMAT to "completion".'
        ) from exc
    probes: list[tuple[list[Any], bool]] = [
        ([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], True),
        ([{"role": "user", "content": "u"}], False),  # templates that reject a system role
    ]
    for messages, system_role in probes:
        with contextlib.suppress(Exception):
            formatter(messages=messages)
            return formatter, system_role
    raise ModelError(
        f"The chat template of model {llama.model_path} fails to render a question; "
        'set WARTA_MODEL_CHAT_FORMAT to "completion".'
    )


def _log_softmax(logits: Any) -> Any:
    import numpy as np

    top = float(np.max(logits))
    return logits - (top + float(np.log(np.sum(np.exp(logits - top)))))
