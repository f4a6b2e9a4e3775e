import { pythonCheck } from '../../src/testing/python.js'

/**
 * The independent side of the CLIP-tokenizer check, in Python with the `regex` module (Debian's
 * python3-regex, the one open_clip imports): CLIP's byte-level BPE as open_clip's SimpleTokenizer
 * does it (bytes → printable characters, CLIP's split pattern, `</w>` on each word's last symbol,
 * lowest-rank merge first), with its clean-up (html.unescape twice, NFC as ftfy would, whitespace
 * collapse, lower-case). It first learns `n` merges from the word list (plain BPE training), then
 * prints them and, per text, the cleaned text and the ids: `<|startoftext|>` … `<|endoftext|>`,
 * cut to L with the end token kept last, padded with 0 as open_clip pads.
 */
export const CLIP_REFERENCE = String.raw`
import html, json, sys, unicodedata
import regex

def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]; n = 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))

words, texts, L, n_merges = json.loads(sys.argv[1])
byte_enc = bytes_to_unicode()
pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)
to_syms = lambda w: tuple(byte_enc[b] for b in w.encode('utf-8'))[:-1] + (''.join(byte_enc[b] for b in w.encode('utf-8')[-1:]) + '</w>',)

# Learn merges: the most frequent adjacent pair (ties: the smallest pair), n times.
corpus = {}
for i, w in enumerate(words): corpus[to_syms(w)] = corpus.get(to_syms(w), 0) + 1 + i % 3
merges = []
for _ in range(n_merges):
    counts = {}
    for w, c in corpus.items():
        for p in zip(w, w[1:]): counts[p] = counts.get(p, 0) + c
    if not counts: break
    best = min(counts, key=lambda p: (-counts[p], p))
    merges.append(best)
    nxt = {}
    for w, c in corpus.items():
        out = []; i = 0
        while i < len(w):
            if i + 1 < len(w) and (w[i], w[i + 1]) == best: out.append(w[i] + w[i + 1]); i += 2
            else: out.append(w[i]); i += 1
        nxt[tuple(out)] = nxt.get(tuple(out), 0) + c
    corpus = nxt

vocab = list(byte_enc.values()); vocab += [v + '</w>' for v in vocab]
for a, b in merges:
    if a + b not in vocab: vocab.append(a + b)
vocab += ['<|startoftext|>', '<|endoftext|>']
enc = {v: i for i, v in enumerate(vocab)}
ranks = {m: i for i, m in enumerate(merges)}

def bpe(token):
    word = to_syms(token)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        p = min(pairs, key=lambda q: ranks.get(q, float('inf')))
        if p not in ranks: break
        out = []; i = 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == p: out.append(word[i] + word[i + 1]); i += 2
            else: out.append(word[i]); i += 1
        word = tuple(out)
    return [enc[s] for s in word]

def clean(t):
    t = unicodedata.normalize('NFC', html.unescape(html.unescape(t))).strip()
    return regex.sub(r'\s+', ' ', t).strip().lower()

sot, eot = enc['<|startoftext|>'], enc['<|endoftext|>']
cases = []
for t in texts:
    c = clean(t)
    ids = [sot] + [i for tok in regex.findall(pat, c) for i in bpe(tok)] + [eot]
    ids = ids[:L - 1] + [eot] if len(ids) > L else ids + [0] * (L - len(ids))
    cases.append({'text': t, 'clean': c, 'ids': ids})
print(json.dumps({'merges': [a + ' ' + b for a, b in merges], 'cases': cases}))
`

/** python3 with regex, or a skip note naming the Debian package. */
export const pythonRegex = pythonCheck(['regex'], ['python3-regex'])
