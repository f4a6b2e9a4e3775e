import { pythonCheck } from '../../src/testing/python.js'

/**
 * The independent side of the SigLIP-tokenizer check: Google's SentencePiece (Debian's
 * python3-sentencepiece, the library T5's c4-en vocabulary was made with) trains a small Unigram
 * model with T5's ids (pad 0, eos 1, unk 2) and nmt_nfkc normalisation, then encodes each text after
 * open_clip's SigLIP clean-up written with Python's own primitives (html.unescape, NFC as ftfy ends, str.lower,
 * re's \s, string.punctuation). It prints the pieces, the precompiled charsmap and, per text, the
 * cleaned text and the 64 ids open_clip feeds the network (eos appended, kept last on truncation,
 * padded with eos = 1).
 */
export const SPM_REFERENCE = String.raw`
import base64, html, io, json, re, string, sys, unicodedata
import sentencepiece as spm

def varint(b, i):
    n = s = 0
    while True:
        c = b[i]; i += 1; n |= (c & 0x7f) << s; s += 7
        if c < 0x80: return n, i

def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i); f, t = key >> 3, key & 7
        if t == 0: v, i = varint(b, i)
        elif t == 1: v = b[i:i + 8]; i += 8
        elif t == 5: v = b[i:i + 4]; i += 4
        elif t == 2: n, i = varint(b, i); v = b[i:i + n]; i += n
        else: raise ValueError('wire type %d' % t)
        yield f, v

def canonicalize(t):
    t = unicodedata.normalize('NFC', html.unescape(html.unescape(t))).strip()
    t = t.replace('_', ' ').translate(str.maketrans('', '', string.punctuation)).lower()
    return re.sub(r'\s+', ' ', t).strip()

words, texts, L = json.loads(sys.argv[1])
lines = [' '.join(words[(i * 7 + j * 13) % len(words)] for j in range(3 + i % 6)) for i in range(400)]
out = io.BytesIO()
spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=out, model_type='unigram', vocab_size=400,
    pad_id=0, eos_id=1, unk_id=2, bos_id=-1, normalization_rule_name='nmt_nfkc', character_coverage=1.0,
    hard_vocab_limit=False, minloglevel=2)
proto = out.getvalue()
sp = spm.SentencePieceProcessor(model_proto=proto)
norm = next(v for f, v in fields(proto) if f == 3)
charsmap = next(v for f, v in fields(norm) if f == 2)
cases = []
for t in texts:
    c = canonicalize(t)
    ids = sp.encode(c) + [1]
    ids = ids[:L - 1] + [1] if len(ids) > L else ids + [1] * (L - len(ids))
    cases.append({'text': t, 'clean': c, 'ids': ids})
pieces = [[sp.id_to_piece(i), sp.get_score(i)] for i in range(3, sp.get_piece_size())]
print(json.dumps({'pieces': pieces, 'charsmap': base64.b64encode(charsmap).decode(), 'cases': cases}))
`

/** python3 with sentencepiece, or a skip note naming the Debian package. */
export const sentencepiece = pythonCheck(['sentencepiece'], ['python3-sentencepiece'])
