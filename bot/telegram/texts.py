"""What the bot says on Telegram, in Indonesian and English, as Telegram HTML."""

from __future__ import annotations

import html

from retrieval.analysis import Lang, detect_language


class Html(str):
    """Mark a string as ready-made Telegram HTML, so ``text()`` inserts it unescaped."""

    __slots__ = ()


# Templates are trusted HTML; every value put into them is escaped unless it is Html.
_TEXTS: dict[str, dict[Lang, str]] = {
    "help": {
        "en": (
            "👋 I am <b>Warta</b>. I answer questions about {articles} news articles{span}, "
            "with sources you can check.\n\n"
            "<b>How to ask</b>\n"
            "• In a private chat, just send your question.\n"
            "• In a group, mention me ({mention}), reply to one of my messages, or write "
            "<code>/ask your question</code>.\n"
            "• A quiz: put each answer option on its own line (<code>A) …</code>, "
            "<code>B) …</code>), or forward me a quiz poll; I pick the option the news "
            "states.\n\n"
            "Every answer lists its sources: tap a source button to see the exact quoted passage."
        ),
        "id": (
            "👋 Saya <b>Warta</b>. Saya menjawab pertanyaan tentang {articles} artikel "
            "berita{span}, lengkap dengan sumber yang bisa Anda periksa.\n\n"
            "<b>Cara bertanya</b>\n"
            "• Di chat pribadi, kirim saja pertanyaan Anda.\n"
            "• Di grup, sebut saya ({mention}), balas salah satu pesan saya, atau tulis "
            "<code>/ask pertanyaan Anda</code>.\n"
            "• Kuis: tulis setiap pilihan jawaban di barisnya sendiri (<code>A) …</code>, "
            "<code>B) …</code>), atau teruskan polling kuis kepada saya; saya memilih "
            "pilihan yang disebut berita.\n\n"
            "Setiap jawaban mencantumkan sumbernya: ketuk tombol sumber untuk melihat "
            "kutipan persisnya."
        ),
    },
    "span": {"en": " from {first} to {last}", "id": " dari {first} sampai {last}"},
    "queued": {
        "en": "⏳ {place} in line. Your answer will appear here.",
        "id": "⏳ urutan {place}. Jawaban Anda akan muncul di sini.",
    },
    "queued_own": {
        "en": "⏳ After your previous question. Your answer will appear here.",
        "id": "⏳ Setelah pertanyaan Anda sebelumnya. Jawaban Anda akan muncul di sini.",
    },
    "full": {
        "en": (
            "You already have {limit} questions waiting; I answer them one by one. "
            "Please ask again when they are answered."
        ),
        "id": (
            "Anda sudah punya {limit} pertanyaan yang menunggu; saya jawab satu per satu. "
            "Silakan bertanya lagi setelah semuanya terjawab."
        ),
    },
    "rate": {
        "en": (
            "You have asked {limit} questions in the last minute. Please try again in {seconds} s."
        ),
        "id": (
            "Anda sudah bertanya {limit} kali dalam satu menit terakhir. "
            "Silakan coba lagi dalam {seconds} detik."
        ),
    },
    "empty": {
        "en": "Please write your question in words, for example after /ask.",
        "id": "Silakan tulis pertanyaan Anda dengan kata-kata, misalnya setelah /ask.",
    },
    "too_long": {
        "en": (
            "That message is too long for a question ({length} characters; the limit is "
            "{limit}). Please ask something shorter."
        ),
        "id": (
            "Pesan itu terlalu panjang untuk sebuah pertanyaan ({length} karakter; batasnya "
            "{limit}). Silakan bertanya dengan lebih singkat."
        ),
    },
    "not_text": {
        "en": "I can only read questions written as text. Please type your question.",
        "id": "Saya hanya bisa membaca pertanyaan berupa teks. Silakan ketik pertanyaan Anda.",
    },
    "edited": {
        "en": "I answer new messages only: please send your corrected question again.",
        "id": "Saya hanya menjawab pesan baru: silakan kirim ulang pertanyaan Anda.",
    },
    "unknown_command": {
        "en": "I don't know that command. Send /help to see how to ask.",
        "id": "Saya tidak mengenal perintah itu. Kirim /help untuk melihat cara bertanya.",
    },
    "not_allowed": {
        "en": "Sorry, this bot is private.",
        "id": "Maaf, bot ini bersifat pribadi.",
    },
    "admin_only": {
        "en": "Sorry, only the bot's admins can do that.",
        "id": "Maaf, hanya admin bot yang bisa melakukan itu.",
    },
    "apology": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "id": "Maaf, terjadi kesalahan di sisi saya. Silakan coba lagi sebentar lagi.",
    },
    "source_gone": {
        "en": "This source is no longer in the corpus.",
        "id": "Sumber ini sudah tidak ada di kumpulan berita.",
    },
    "source_changed": {
        "en": "This article was updated: the quoted passage is no longer in the corpus.",
        "id": "Artikel ini telah diperbarui: kutipan tersebut sudah tidak ada di kumpulan berita.",
    },
    "reload_running": {
        "en": "A reload is already running; please wait until it finishes.",
        "id": "Pemuatan ulang sedang berjalan; mohon tunggu sampai selesai.",
    },
    "reload_start": {
        "en": "🔄 Reloading the corpus…",
        "id": "🔄 Memuat ulang kumpulan berita…",
    },
    "reload_progress": {
        "en": "🔄 Reloading the corpus… {done}/{total} files",
        "id": "🔄 Memuat ulang kumpulan berita… {done}/{total} berkas",
    },
    "reload_done": {"en": "✅ Reload finished.", "id": "✅ Pemuatan ulang selesai."},
    "reload_failed": {
        "en": "❌ Reload failed: {reason}\nThe previous index keeps serving.",
        "id": "❌ Pemuatan ulang gagal: {reason}\nIndeks sebelumnya tetap dipakai.",
    },
    "upload_refused": {
        "en": "❌ I did not add {name}: {reason}. Nothing was written.",
        "id": "❌ {name} tidak saya tambahkan: {reason}. Tidak ada yang ditulis.",
    },
    "upload_saved": {
        "en": "📥 {name} {verb} ({articles} articles). Indexing…",
        "id": "📥 {name} {verb} ({articles} artikel). Mengindeks…",
    },
    "upload_done": {
        "en": "✅ {name} {verb} ({articles} articles) and indexed.",
        "id": "✅ {name} {verb} ({articles} artikel) dan sudah diindeks.",
    },
    "added": {"en": "added", "id": "ditambahkan"},
    "updated": {
        "en": "updated (replaced the earlier file)",
        "id": "diperbarui (menggantikan berkas lama)",
    },
    "unchanged": {"en": "unchanged (same content)", "id": "tidak berubah (isi sama)"},
    "stats": {
        "en": (
            "<b>Warta statistics</b>\n"
            "Articles: {articles} · chunks: {chunks}\n"
            "Last reload: {reload}\n"
            "Model: {model}\n"
            "Uptime: {uptime}\n"
            "Questions answered: {answered} · p50 latency: {p50}\n"
            "Queue: {running} answering, {waiting} waiting\n"
            "Feedback: 👍 {up} · 👎 {down} · {comments} notes"
        ),
        "id": (
            "<b>Statistik Warta</b>\n"
            "Artikel: {articles} · potongan: {chunks}\n"
            "Pemuatan ulang terakhir: {reload}\n"
            "Model: {model}\n"
            "Waktu aktif: {uptime}\n"
            "Pertanyaan dijawab: {answered} · latensi p50: {p50}\n"
            "Antrean: {running} dijawab, {waiting} menunggu\n"
            "Masukan: 👍 {up} · 👎 {down} · {comments} catatan"
        ),
    },
    "feedback_thanks": {
        "en": "Thanks for the feedback!",
        "id": "Terima kasih atas masukannya!",
    },
    "feedback_gone": {
        "en": "This answer is no longer in my records.",
        "id": "Jawaban ini sudah tidak ada di catatan saya.",
    },
    "feedback_why": {
        "en": "{who}, what was wrong with this answer? Reply to this message in a few words "
        "(optional).",
        "id": "{who}, apa yang salah dengan jawaban ini? Balas pesan ini dengan beberapa kata "
        "(tidak wajib).",
    },
    "feedback_placeholder": {"en": "What was wrong?", "id": "Apa yang salah?"},
    "feedback_noted": {
        "en": "Thanks, noted: it helps make the answers better.",
        "id": "Terima kasih, sudah saya catat: ini membantu memperbaiki jawaban.",
    },
    "model_unavailable": {
        "en": (
            "{model} — unavailable since {since} ({reason}); answers come from the sources "
            "until it is back (tried again every {retry})"
        ),
        "id": (
            "{model} — tidak tersedia sejak {since} ({reason}); jawaban diambil dari sumber "
            "sampai model kembali (dicoba lagi tiap {retry})"
        ),
    },
    "new_topic": {
        "en": "🆕 New topic: your next question is read on its own.",
        "id": "🆕 Topik baru: pertanyaan Anda berikutnya dibaca tersendiri.",
    },
    "welcome": {
        "en": (
            "👋 Hello! I am <b>Warta</b>: I answer questions about the news, with sources you "
            "can check. To ask me here, mention me ({mention} your question), reply to one of "
            "my messages, or write <code>/ask your question</code>. /help tells more."
        ),
        "id": (
            "👋 Halo! Saya <b>Warta</b>: saya menjawab pertanyaan tentang berita, lengkap dengan "
            "sumber yang bisa diperiksa. Untuk bertanya di sini, sebut saya ({mention} "
            "pertanyaan Anda), balas salah satu pesan saya, atau tulis "
            "<code>/ask pertanyaan Anda</code>. /help menjelaskan lebih lanjut."
        ),
    },
    "never": {"en": "none since start", "id": "belum ada sejak mulai"},
    "failed": {"en": "failed: {reason}", "id": "gagal: {reason}"},
}


# Plain text (no HTML): command menus and the bot's descriptions.
_PLAIN: dict[str, dict[Lang, str]] = {
    "command_ask": {"en": "Ask a question about the news", "id": "Tanyakan sesuatu tentang berita"},
    "command_help": {
        "en": "What I know and how to ask",
        "id": "Apa yang saya ketahui dan cara bertanya",
    },
    "command_new": {
        "en": "New topic: forget the previous question",
        "id": "Topik baru: lupakan pertanyaan sebelumnya",
    },
    "command_reload": {"en": "Reload the news corpus", "id": "Muat ulang kumpulan berita"},
    "command_stats": {
        "en": "Corpus, model, answers and feedback",
        "id": "Kumpulan berita, model, jawaban dan masukan",
    },
    "command_feed": {
        "en": "News feeds: add, list, remove, poll",
        "id": "Umpan berita: tambah, daftar, hapus, ambil",
    },
    "command_add": {
        "en": "Add an article from a link",
        "id": "Tambahkan artikel dari sebuah tautan",
    },
    "inline_private": {"en": "Ask me in a private chat", "id": "Tanya saya di chat pribadi"},
    "description": {
        "en": (
            "Warta answers questions about the news, in Indonesian or English, and quotes the "
            "sources so you can check every claim. Ask me in this chat; in a group, mention me, "
            "reply to me or write /ask; in any chat, type my @username and your question."
        ),
        "id": (
            "Warta menjawab pertanyaan tentang berita, dalam bahasa Indonesia atau Inggris, dan "
            "mengutip sumbernya agar setiap klaim bisa Anda periksa. Tanyakan di chat ini; di "
            "grup, sebut saya, balas pesan saya atau tulis /ask; di chat mana pun, ketik "
            "@username saya lalu pertanyaan Anda."
        ),
    },
    "short_description": {
        "en": "Questions about the news, answered with quoted sources (Indonesian and English).",
        "id": "Pertanyaan tentang berita, dijawab dengan kutipan sumbernya (Indonesia/Inggris).",
    },
}


def plain(key: str, lang: Lang) -> str:
    """Return plain text ``key`` in ``lang`` (menus and descriptions: no HTML)."""
    return _PLAIN[key][lang]


def text(key: str, lang: Lang, **values: object) -> Html:
    """Return text ``key`` in ``lang`` as HTML, with ``values`` escaped into it."""
    safe = {
        name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return Html(_TEXTS[key][lang].format(**safe))


def ordinal(n: int, lang: Lang) -> str:
    """Return a place in line: "3rd" in English, "ke-3" in Indonesian."""
    if lang == "id":
        return f"ke-{n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def user_lang(language_code: str | None, message: str = "") -> Lang:
    """Pick the language from the user's Telegram setting, else from their message."""
    if language_code:
        # "in" is the pre-1989 ISO code for Indonesian that some clients still send.
        return "id" if language_code.lower().split("-")[0] in ("id", "in") else "en"
    return detect_language(message, default="en") if message.strip() else "en"


def question_lang(question: str, language_code: str | None) -> Lang:
    """Pick the language of messages about a question: the question's own, if it tells."""
    return detect_language(question, default=user_lang(language_code))


def duration(seconds: float) -> str:
    """Render a duration compactly: "42 s", "3 min 05 s", "2 h 07 min"."""
    total = int(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
