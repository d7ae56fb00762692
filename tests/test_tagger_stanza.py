"""The stanza syntax path, with a toy Russian POS tagger and parser trained here from a few
CoNLL-U sentences (no stanza model can be downloaded on this machine)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rdrs_gui.core.schema import bundled
from tagger_fixtures import make_documents
from trainer import features
from trainer.encoders import build_encoder
from trainer.tagger.predict import TaggerPredictor
from trainer.tagger.train import Progress, train
from trainer.tokenize import sentences

CONLLU = """\
1	Врач	врач	NOUN	_	_	2	nsubj	_	_
2	назначил	назначить	VERB	_	_	0	root	_	_
3	таблетки	таблетка	NOUN	_	_	2	obj	_	_
4	.	.	PUNCT	_	_	2	punct	_	_

1	У	у	ADP	_	_	2	case	_	_
2	меня	я	PRON	_	_	3	obl	_	_
3	болела	болеть	VERB	_	_	0	root	_	_
4	голова	голова	NOUN	_	_	3	nsubj	_	_
5	.	.	PUNCT	_	_	3	punct	_	_

1	Сироп	сироп	NOUN	_	_	3	nsubj	_	_
2	быстро	быстро	ADV	_	_	3	advmod	_	_
3	помог	помочь	VERB	_	_	0	root	_	_
4	.	.	PUNCT	_	_	3	punct	_	_

1	Мама	мама	NOUN	_	_	2	nsubj	_	_
2	купила	купить	VERB	_	_	0	root	_	_
3	капли	капля	NOUN	_	_	2	obj	_	_
4	в	в	ADP	_	_	5	case	_	_
5	аптеке	аптека	NOUN	_	_	2	obl	_	_
6	.	.	PUNCT	_	_	2	punct	_	_

"""


@pytest.fixture(scope="module")
def stanza_models(tmp_path_factory) -> dict:
    from stanza.models import parser, tagger

    logging.getLogger("stanza").setLevel(logging.WARNING)
    root = tmp_path_factory.mktemp("stanza")
    (root / "train.conllu").write_text(CONLLU, encoding="utf-8")
    (root / "resources.json").write_text("{}", encoding="utf-8")
    common = ["--train_file", str(root / "train.conllu"), "--eval_file", str(root / "train.conllu"),
              "--output_file", str(root / "out.conllu"), "--lang", "ru", "--shorthand", "ru_toy",
              "--save_dir", str(root), "--no_pretrain", "--cpu", "--max_steps", "2", "--eval_interval", "2",
              "--hidden_dim", "8", "--char_hidden_dim", "8", "--word_emb_dim", "8", "--char_emb_dim", "4",
              "--tag_emb_dim", "4"]
    tagger.main(common + ["--save_name", "pos.pt", "--deep_biaff_hidden_dim", "4",
                          "--composite_deep_biaff_hidden_dim", "4"])
    parser.main(common + ["--save_name", "dep.pt", "--deep_biaff_hidden_dim", "8"])
    return {"backend": "stanza", "dir": str(root), "pos_model_path": str(root / "pos.pt"),
            "depparse_model_path": str(root / "dep.pt")}


@pytest.mark.slow
def test_stanza_parses_our_tokens_into_repaired_trees(stanza_models):
    parser = features.parser_for(stanza_models)
    sents = sentences("Врач назначил сироп. У меня болела голова после таблеток.")
    features.annotate(sents, parser)
    for s in sents:
        assert len(s.pos) == len(s.heads) == len(s.rels) == len(s)
        assert set(s.pos) <= set(features.UPOS)
        assert sum(h == 0 for h in s.heads) == 1


@pytest.mark.slow
def test_a_tagger_trains_on_stanza_features_and_reloads_with_them(stanza_models, tmp_path: Path):
    docs = make_documents(6)
    train(docs[:4], docs[4:], bundled("rdrs"), tmp_path / "m", encoder={"kind": "embedded", "syntax": stanza_models},
          head={"hidden": 8}, options={"epochs": 1}, progress=Progress(None, echo=False))
    predictor = TaggerPredictor(tmp_path / "m", device="cpu")
    assert predictor.config["encoder"]["syntax"] == stanza_models
    predictor.predict_texts([docs[5].text])


def test_auto_picks_installed_stanza_models_else_natasha(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("STANZA_RESOURCES_DIR", raising=False)
    monkeypatch.delenv("RDRS_STANZA_DIR", raising=False)
    assert features.resolve_syntax("auto") == {"backend": "natasha"}
    installed = tmp_path / "stanza_resources"
    (installed / "ru" / "depparse").mkdir(parents=True)
    (installed / "ru" / "depparse" / "syntagrus.pt").write_bytes(b"")
    (installed / "resources.json").write_text("{}", encoding="utf-8")
    assert features.resolve_syntax("auto") == {"backend": "stanza", "dir": str(installed)}
    assert features.resolve_syntax("natasha") == {"backend": "natasha"}


def test_encoder_without_parser_still_works():
    enc = build_encoder({"kind": "embedded", "syntax": "none"}, sentences=sentences("Нурофен помог."))
    assert enc(enc.collate(enc.featurize(sentences("Нурофен помог.")))).shape[-1] == enc.output_dim
