"""UIMA CAS XMI, as INCEpTION ("UIMA CAS XMI") and DKPro Core pipelines export it; read only,
through dkpro-cassis (the optional ``xmi`` extra).

The type system must lie next to the XMI file: ``<stem>-typesystem.xml``, ``<stem>.typesystem.xml``
or the folder's only ``*typesystem.xml`` (INCEpTION exports ``TypeSystem.xml``). Annotations map
onto the document model by the same rules as WebAnno TSV (see webanno_tsv3.py), so a document
exported from INCEpTION in either format imports alike. Tokens, sentences and metadata are
structure, not annotations, and are not imported; cassis converts UIMA's UTF-16 offsets to code
points.
"""
from __future__ import annotations

from pathlib import Path
from warnings import catch_warnings, simplefilter

from ..document import Chain, Document, Mention, Relation, Span
from ..errors import FormatError
from . import _tsv3_syntax as syn
from .base import STOP, ReadResult

NAME = "xmi"
DESCRIPTION = "UIMA CAS XMI with its type system next to it (INCEpTION, DKPro Core); import only"
OUTPUT = "dir"

_STRUCTURE = {"Token", "Sentence", "DocumentAnnotation"}
_PRIMITIVES = {f"uima.cas.{t}" for t in ("String", "Integer", "Float", "Double", "Boolean", "Long",
                                         "Short", "Byte")}
_ARRAYS = {f"uima.cas.{t}Array" for t in ("String", "Integer", "Float", "Double", "Boolean", "Long",
                                          "Short", "Byte")}


def _looks_like_xmi(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"http://www.omg.org/XMI" in head


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return any(_looks_like_xmi(p) for p, _ in zip(sorted(path.rglob("*.xmi")), range(20)))
    return path.suffix.lower() == ".xmi" and _looks_like_xmi(path)


def read(path: str | Path, on_error: str = STOP) -> ReadResult:
    """Every ``*.xmi`` of a folder (or one file); ``on_error="skip"`` leaves a bad file out and
    lists it, where otherwise the first one refuses the whole input."""
    path = Path(path)
    files = sorted(path.rglob("*.xmi")) if path.is_dir() else [path]
    if not files:
        raise FormatError(path, "no UIMA XMI files (*.xmi) in this folder")
    result = ReadResult()
    typesystems: dict[Path, object] = {}   # one per type system file: an INCEpTION one takes ~60 ms to load
    for file in files:
        name = file.relative_to(path).with_suffix("").as_posix() if path.is_dir() else file.stem
        try:
            cas = _load(file, name, result.warnings, typesystems)
            result.documents.append(_document(cas, file, name, result.warnings))
        except FormatError as exc:
            result.skip(exc, on_error)
    return result


def _typesystem_file(xmi: Path) -> Path:
    candidates = [p for p in xmi.parent.iterdir() if p.name.lower().endswith("typesystem.xml")]
    for name in (f"{xmi.stem}-typesystem.xml", f"{xmi.stem}.typesystem.xml"):
        match = [p for p in candidates if p.name.lower() == name.lower()]
        if match:
            return match[0]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise FormatError(xmi, "no type system next to it; put the TypeSystem.xml that came with "
                               "the export in the same folder")
    raise FormatError(xmi, f"several type systems next to it ({', '.join(sorted(p.name for p in candidates))}); "
                           f"name the right one {xmi.stem}-typesystem.xml")


def _load(xmi: Path, name: str, warnings_out: list[str], typesystems: dict[Path, object]):
    """The CAS of ``xmi`` (its type system from ``typesystems``, loaded there if new); what
    cassis warns about the XMI becomes an import warning, except an offset it cannot map, which
    refuses the file (see ``_offset_problem``)."""
    try:
        import cassis
    except ImportError:
        raise FormatError(xmi, "reading UIMA XMI needs dkpro-cassis: pip install 'rdrs-gui[xmi]'") from None
    ts_file = _typesystem_file(xmi)
    typesystem = typesystems.get(ts_file)
    if typesystem is None:
        try:
            with ts_file.open("rb") as fh, catch_warnings():
                simplefilter("ignore")   # accessors renamed for features named `self`, `type`: not the user's concern
                typesystem = typesystems[ts_file] = cassis.load_typesystem(fh)
        except Exception as exc:  # cassis/lxml raise many kinds; the user needs one clear line
            raise FormatError(ts_file, f"not a readable UIMA type system: {_reason(exc)}",
                              getattr(exc, "lineno", None)) from None
    try:
        empty = xmi.stat().st_size == 0
    except OSError as exc:
        raise FormatError(xmi, f"cannot read file: {exc.strerror or exc}") from None
    if empty:
        raise FormatError(xmi, "the file is empty")
    try:
        with xmi.open("rb") as fh, catch_warnings(record=True) as caught:
            simplefilter("always")
            cas = cassis.load_cas_from_xmi(fh, typesystem=typesystem)
    except KeyError as exc:  # a reference to something the XMI lacks
        missing = exc.args[0] if exc.args else None
        what = ("a view without its Sofa (the document text)" if missing == "sofa"
                else f"a reference to xmi:id {missing}, which is not in the file" if isinstance(missing, int)
                else "a reference to a structure that is not in the file" if missing is None
                else f"no {missing!r} where one is needed")
        raise FormatError(xmi, f"not a complete UIMA CAS: {what}") from None
    except Exception as exc:
        raise FormatError(xmi, f"not readable as UIMA XMI with {ts_file.name}: {_reason(exc)}",
                          getattr(exc, "lineno", None)) from None
    for warning in caught:
        message = str(warning.message)
        if message.startswith("Not mapping external offset"):
            raise FormatError(xmi, _offset_problem(message))
        warnings_out.append(f"{name}: {message}")
    return cas


def _reason(exc: Exception) -> str:
    """lxml's message without the "(file, line N)" it appends: the line is given once, as FILE:LINE."""
    return str(getattr(exc, "msg", None) or exc)


def _offset_problem(cassis_message: str) -> str:
    """cassis maps UIMA's UTF-16 offsets to characters; an offset it cannot map (inside a
    character written as two UTF-16 units, an emoji, or past the text) would otherwise be kept
    as it is and put the annotation on other characters."""
    offset = cassis_message.split("[", 1)[1].split("]", 1)[0] if "[" in cassis_message else "?"
    return (f"an annotation begins or ends at UTF-16 offset {offset}, which is inside a character (between the "
            f"two halves of an emoji or other character beyond U+FFFF) or past the text: the offsets do not fit "
            f"the document text")


def _values(fs) -> dict[str, str | None]:
    """Primitive (and primitive array) features of ``fs``, in type order; None when unset."""
    out: dict[str, str | None] = {}
    for feat in fs.type.all_features:
        kind = feat.rangeType.name if hasattr(feat.rangeType, "name") else str(feat.rangeType)
        if feat.name in ("begin", "end", "sofa") or (kind not in _PRIMITIVES and kind not in _ARRAYS):
            continue
        value = fs.get(feat.name)
        if kind in _ARRAYS and value is not None:
            value = "|".join(str(v) for v in value.elements) if value.elements else None
        out[feat.name] = None if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _refers(t, feature: str) -> bool:
    """Whether type ``t`` has ``feature`` and it holds a feature structure, not a string or a
    number: a chain's ``first`` and ``next``, a relation's ``Governor`` and ``Dependent`` are
    known by these names, which any custom type may also use for a plain value."""
    feat = t.get_feature(feature)
    if feat is None:
        return False
    kind = feat.rangeType.name if hasattr(feat.rangeType, "name") else str(feat.rangeType)
    return kind not in _PRIMITIVES and kind not in _ARRAYS


def _is_annotation(fs) -> bool:
    """A structure with offsets (a link or relation end may point at one without: uima.cas.TOP)."""
    return isinstance(getattr(fs, "begin", None), int) and isinstance(getattr(fs, "end", None), int)


def _layer(kind: str, fs, values: dict) -> syn.Layer:
    return syn.Layer(kind, fs.type.name, [syn.Column(syn.FEATURE, f) for f in values])


def _is_structure(type_name: str) -> bool:
    short = type_name.rsplit(".", 1)[-1]
    return short in _STRUCTURE or ".metadata.type." in type_name


def _document(cas, xmi: Path, name: str, warnings: list[str]) -> Document:
    text = cas.sofa_string
    if text is None:
        raise FormatError(xmi, "the CAS holds no document text (its Sofa has no sofaString: it refers to a URI "
                               "or a byte array, or is missing)")
    if len(cas.views) > 1:
        warnings.append(f"{name}: only the initial view of {len(cas.views)} was read")
    spans: list[Span] = []
    span_of: dict[int, str] = {}
    skipped: set[int] = set()
    pending: list = []  # relation annotations, resolved once every span exists

    def new_span(fs, label: str, attrs: dict) -> str | None:
        if fs.begin >= fs.end:
            skipped.add(fs.xmiID)
            warnings.append(f"{name}: zero-width {fs.type.short_name} annotation at {fs.begin} skipped")
            return None
        span = Span({label}, [(fs.begin, fs.end)], attrs, id=f"T{len(spans) + 1}")
        spans.append(span)
        span_of[fs.xmiID] = span.id
        return span.id

    def span_for(fs) -> str | None:
        """The span of a relation end; tokens and other unimported types get one made here (none
        where the end is no annotation: a structure without offsets)."""
        if not _is_annotation(fs):
            return None
        if fs.xmiID not in span_of and fs.xmiID not in skipped:
            new_span(fs, fs.type.short_name, {syn.LAYER_ATTR: fs.type.name})
        return span_of.get(fs.xmiID)

    for fs in cas.select_all_annotations():
        t = fs.type
        if _is_structure(t.name) or _refers(t, "next"):  # chain links come below
            continue
        if _refers(t, "Governor") and _refers(t, "Dependent"):
            pending.append(fs)
            continue
        values = _values(fs)
        label, attrs, _ = syn.label_and_attrs(_layer(syn.SPAN, fs, values), values, syn.DEFAULT_SPAN_LAYER)
        new_span(fs, label, attrs)

    relations: list[Relation] = []
    for fs in pending:
        head, tail = fs.get("Governor"), fs.get("Dependent")
        head_id, tail_id = (span_for(head), span_for(tail)) if head and tail else (None, None)
        if not head_id or not tail_id:
            warnings.append(f"{name}: {fs.type.short_name} relation at {fs.begin} without both ends skipped")
            continue
        values = _values(fs)
        label, attrs, _ = syn.label_and_attrs(_layer(syn.RELATION, fs, values), values,
                                              syn.DEFAULT_RELATION_LAYER)
        relations.append(Relation(label, head_id, tail_id, attrs))
    for fs in cas.select_all_annotations():
        if fs.xmiID in span_of:
            relations += _slot_links(fs, span_of[fs.xmiID], span_for)
    doc = Document(name=name, text=text, chains=_chains(cas, name, warnings))
    doc.relations = [r for r in relations if r.head and r.tail]
    for i, rel in enumerate(doc.relations, 1):
        rel.id = f"R{i}"
    doc.spans = syn.fold_stacked(spans, doc.relations)
    doc.assign_ids()
    return doc


def _slot_links(host, host_id: str, span_for) -> list[Relation]:
    """Slot features (arrays of links with ``role`` and ``target``) as host -> filler relations."""
    out = []
    for feat in host.type.all_features:
        value = host.get(feat.name) if feat.name not in ("begin", "end", "sofa") else None
        for link in getattr(value, "elements", None) or []:
            if not hasattr(link, "type") or link.type.get_feature("target") is None:
                break
            target = link.get("target")
            target_id = span_for(target) if target is not None else None
            if target_id:
                out.append(Relation(link.get("role") or "", host_id, target_id, {syn.SLOT_ATTR: feat.name}))
    return out


def _chains(cas, name: str, warnings: list[str]) -> list[Chain]:
    chains = []
    for head in cas.select_all_fs():
        if not _refers(head.type, "first"):
            continue
        link, places, types, seen = head.get("first"), [], [], set()
        while _is_annotation(link) and link.xmiID not in seen:
            seen.add(link.xmiID)
            if link.begin < link.end and (link.begin, link.end) not in places:
                places.append((link.begin, link.end))
                types.append(link.get("referenceType") if link.type.get_feature("referenceType") else None)
            link = link.get("next") if _refers(link.type, "next") else None
        if places:
            layer = head.get("first").type.name
            chains.append(Chain([Mention([p]) for p in places], syn.chain_label(layer, types)))
        else:
            warnings.append(f"{name}: a {head.type.short_name} without non-empty elements skipped")
    return chains
