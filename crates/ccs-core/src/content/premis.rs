//! An item's preservation record as a PREMIS 3 XML document, the form other
//! archives and their tools read (namespace `http://www.loc.gov/premis/v3`,
//! valid against the Library of Congress's `premis-v3-0.xsd`).
//!
//! Pure: events in, XML out (written with `quick-xml`, which escapes every
//! name and sentence). The document holds:
//!
//! - one `object`, `xsi:type="representation"`: the CID names exact bytes
//!   (a file or a folder as added), which is what is ingested, checked,
//!   sent and deleted; PREMIS keeps fixity checks and deletions for digital
//!   objects, not for the intellectual entity they express. Its identifier
//!   is the CID (type `IPFS CID`), its `originalName` the item's title;
//! - one `event` per event, oldest first: its id, its type with the Library
//!   of Congress's event-type vocabulary (label, authority and value URI),
//!   time, detail, outcome (from the event-outcome vocabulary), the person
//!   as `implementer`, the software as `executing program` and, when one is
//!   concerned, the partner holding the copy; and a link to the object;
//! - one `agent` per distinct person, software (name and version) and
//!   partner, in the order they first act.
//!
//! Links carry both the PREMIS identifiers and `xmlID` references, so a
//! reader can follow them either way, and the schema checks the references.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event as XmlEvent};

use crate::content::history::{Event, EventOutcome, EventType};

/// PREMIS 3's namespace.
pub const NAMESPACE: &str = "http://www.loc.gov/premis/v3";
/// Where the Library of Congress publishes the schema (a hint for readers;
/// validators are given the schema itself).
pub const SCHEMA_LOCATION: &str = "https://www.loc.gov/standards/premis/v3/premis-v3-0.xsd";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The Library of Congress's preservation vocabularies. Their terms are
/// identified by these `http` URIs (as id.loc.gov publishes them).
const VOCABULARIES: &str = "http://id.loc.gov/vocabulary/preservation";

/// How the object and its links are identified.
pub const OBJECT_IDENTIFIER_TYPE: &str = "IPFS CID";
const EVENT_IDENTIFIER_TYPE: &str = "community-cloud-storage event";

/// A term of one of the Library of Congress's preservation vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The vocabulary (`eventType`).
    pub vocabulary: &'static str,
    /// The term's code in it (`fix`).
    pub code: &'static str,
    /// The term's label (`fixity check`).
    pub label: &'static str,
}

impl Term {
    /// `http://id.loc.gov/vocabulary/preservation/eventType`.
    pub fn authority_uri(&self) -> String {
        format!("{VOCABULARIES}/{}", self.vocabulary)
    }

    /// `http://id.loc.gov/vocabulary/preservation/eventType/fix`.
    pub fn value_uri(&self) -> String {
        format!("{VOCABULARIES}/{}/{}", self.vocabulary, self.code)
    }
}

const fn term(vocabulary: &'static str, code: &'static str, label: &'static str) -> Term {
    Term {
        vocabulary,
        code,
        label,
    }
}

/// The event type's term in the Library of Congress's event-type vocabulary
/// (the label is [`EventType::premis`]).
pub fn event_type(t: EventType) -> Term {
    let code = match t {
        EventType::Ingestion => "ing",
        EventType::FixityCheck => "fix",
        EventType::Recovery => "rec",
        EventType::Dissemination => "dis",
        EventType::MetadataModification => "mem",
        EventType::Deletion => "del",
        EventType::PolicyAssignment => "poa",
        EventType::Replication => "rep",
        EventType::Deaccession => "dea",
    };
    term("eventType", code, t.premis())
}

/// The outcome's term in the event-outcome vocabulary.
pub fn event_outcome(o: EventOutcome) -> Term {
    match o {
        EventOutcome::Success => term("eventOutcome", "suc", "success"),
        EventOutcome::Failure => term("eventOutcome", "fai", "fail"),
    }
}

const IMPLEMENTER: Term = term("eventRelatedAgentRole", "imp", "implementer");
const EXECUTING_PROGRAM: Term = term("eventRelatedAgentRole", "exe", "executing program");
const PERSON: Term = term("agentType", "per", "person");
const SOFTWARE: Term = term("agentType", "sof", "software");
const ORGANIZATION: Term = term("agentType", "org", "organization");

/// The partner's part in an event: no term of the vocabulary says it, so it
/// is said in words (PREMIS allows a role without an authority).
const PARTNER_ROLE: &str = "partner holding the copy";

/// The kinds of agent, each with its own identifier type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum AgentKind {
    Person,
    Software,
    Partner,
}

impl AgentKind {
    fn identifier_type(self) -> &'static str {
        match self {
            AgentKind::Person => "user@organisation",
            AgentKind::Software => "name/version",
            AgentKind::Partner => "community-cloud-storage partner",
        }
    }

    fn agent_type(self) -> Term {
        match self {
            AgentKind::Person => PERSON,
            AgentKind::Software => SOFTWARE,
            AgentKind::Partner => ORGANIZATION,
        }
    }
}

/// One agent, as first met.
struct Agent<'a> {
    kind: AgentKind,
    id: &'a str,
    xml_id: String,
}

/// Every distinct agent of `events`, in the order they first act.
fn agents<'a>(events: &[&'a Event]) -> Vec<Agent<'a>> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for e in events {
        let mut each = vec![
            (AgentKind::Person, e.person.as_str()),
            (AgentKind::Software, e.software.as_str()),
        ];
        if let Some(p) = &e.partner {
            each.push((AgentKind::Partner, p.as_str()));
        }
        for (kind, id) in each {
            seen.entry((kind, id)).or_insert_with(|| {
                out.push(Agent {
                    kind,
                    id,
                    xml_id: format!("agent-{}", out.len() + 1),
                });
            });
        }
    }
    out
}

/// The `xmlID` of `(kind, id)` among `agents`.
fn agent_ref<'a>(agents: &'a [Agent], kind: AgentKind, id: &str) -> Option<&'a str> {
    agents
        .iter()
        .find(|a| a.kind == kind && a.id == id)
        .map(|a| a.xml_id.as_str())
}

/// XML 1.0 cannot hold every character (a control character in a file name
/// is allowed on disk): those become U+FFFD, so the document stays readable.
fn xml_text(s: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// `<name>text</name>`.
fn text_element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_text(text)))?;
    Ok(())
}

/// `<name authority=… authorityURI=… valueURI=…>label</name>`.
fn term_element<W: Write>(w: &mut Writer<W>, name: &str, t: Term) -> std::io::Result<()> {
    let (authority, value) = (t.authority_uri(), t.value_uri());
    w.create_element(name)
        .with_attribute(("authority", t.vocabulary))
        .with_attribute(("authorityURI", authority.as_str()))
        .with_attribute(("valueURI", value.as_str()))
        .write_text_content(BytesText::new(t.label))?;
    Ok(())
}

/// A `linkingAgentIdentifier` of an event.
fn agent_link<W: Write>(
    w: &mut Writer<W>,
    agents: &[Agent],
    kind: AgentKind,
    id: &str,
    role: Result<Term, &str>,
) -> std::io::Result<()> {
    let mut el = w.create_element("linkingAgentIdentifier");
    if let Some(r) = agent_ref(agents, kind, id) {
        el = el.with_attribute(("LinkAgentXmlID", r));
    }
    el.write_inner_content(|w| {
        text_element(w, "linkingAgentIdentifierType", kind.identifier_type())?;
        text_element(w, "linkingAgentIdentifierValue", id)?;
        match role {
            Ok(t) => term_element(w, "linkingAgentRole", t),
            Err(words) => text_element(w, "linkingAgentRole", words),
        }
    })?;
    Ok(())
}

/// The software's name and version (`community-cloud-storage/0.1.0`).
fn name_and_version(software: &str) -> (&str, Option<&str>) {
    match software.split_once('/') {
        Some((name, version)) if !name.is_empty() && !version.is_empty() => (name, Some(version)),
        _ => (software, None),
    }
}

/// Writes the PREMIS 3 document of the item `cid` (titled `name` when known)
/// to `out`, with `events` in the order given (the caller passes them oldest
/// first); events about other items are left out. Returns `out`.
pub fn write_document<W: Write>(
    out: W,
    cid: &str,
    name: Option<&str>,
    events: &[Event],
) -> std::io::Result<W> {
    let events: Vec<&Event> = events.iter().filter(|e| e.item == cid).collect();
    let agents = agents(&events);
    let object_id = "object-1";
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(XmlEvent::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let schema_location = format!("{NAMESPACE} {SCHEMA_LOCATION}");
    w.create_element("premis")
        .with_attribute(("xmlns", NAMESPACE))
        .with_attribute(("xmlns:xsi", XSI))
        .with_attribute(("xsi:schemaLocation", schema_location.as_str()))
        .with_attribute(("version", "3.0"))
        .write_inner_content(|w| {
            // The unprefixed type names resolve in the default namespace, PREMIS's.
            w.create_element("object")
                .with_attribute(("xsi:type", "representation"))
                .with_attribute(("xmlID", object_id))
                .write_inner_content(|w| {
                    w.create_element("objectIdentifier")
                        .write_inner_content(|w| {
                            text_element(w, "objectIdentifierType", OBJECT_IDENTIFIER_TYPE)?;
                            text_element(w, "objectIdentifierValue", cid)
                        })?;
                    if let Some(n) = name.filter(|n| !n.is_empty()) {
                        text_element(w, "originalName", n)?;
                    }
                    Ok(())
                })?;
            for (n, e) in events.iter().enumerate() {
                write_event(w, e, n, &agents, object_id)?;
            }
            for a in &agents {
                write_agent(w, a)?;
            }
            Ok(())
        })?;
    w.get_mut().write_all(b"\n")?;
    Ok(w.into_inner())
}

fn write_event<W: Write>(
    w: &mut Writer<W>,
    e: &Event,
    n: usize,
    agents: &[Agent],
    object_id: &str,
) -> std::io::Result<()> {
    w.create_element("event")
        .with_attribute(("xmlID", format!("event-{}", n + 1).as_str()))
        .write_inner_content(|w| {
            w.create_element("eventIdentifier")
                .write_inner_content(|w| {
                    text_element(w, "eventIdentifierType", EVENT_IDENTIFIER_TYPE)?;
                    text_element(w, "eventIdentifierValue", &e.id)
                })?;
            term_element(w, "eventType", event_type(e.event_type))?;
            text_element(w, "eventDateTime", &e.at)?;
            if !e.detail.is_empty() {
                w.create_element("eventDetailInformation")
                    .write_inner_content(|w| text_element(w, "eventDetail", &e.detail))?;
            }
            w.create_element("eventOutcomeInformation")
                .write_inner_content(|w| {
                    term_element(w, "eventOutcome", event_outcome(e.outcome))
                })?;
            agent_link(w, agents, AgentKind::Person, &e.person, Ok(IMPLEMENTER))?;
            agent_link(
                w,
                agents,
                AgentKind::Software,
                &e.software,
                Ok(EXECUTING_PROGRAM),
            )?;
            if let Some(p) = &e.partner {
                agent_link(w, agents, AgentKind::Partner, p, Err(PARTNER_ROLE))?;
            }
            w.create_element("linkingObjectIdentifier")
                .with_attribute(("LinkObjectXmlID", object_id))
                .write_inner_content(|w| {
                    text_element(w, "linkingObjectIdentifierType", OBJECT_IDENTIFIER_TYPE)?;
                    text_element(w, "linkingObjectIdentifierValue", &e.item)
                })?;
            Ok(())
        })?;
    Ok(())
}

fn write_agent<W: Write>(w: &mut Writer<W>, a: &Agent) -> std::io::Result<()> {
    w.create_element("agent")
        .with_attribute(("xmlID", a.xml_id.as_str()))
        .write_inner_content(|w| {
            w.create_element("agentIdentifier")
                .write_inner_content(|w| {
                    text_element(w, "agentIdentifierType", a.kind.identifier_type())?;
                    text_element(w, "agentIdentifierValue", a.id)
                })?;
            let (name, version) = match a.kind {
                AgentKind::Software => name_and_version(a.id),
                AgentKind::Person | AgentKind::Partner => (a.id, None),
            };
            text_element(w, "agentName", name)?;
            term_element(w, "agentType", a.kind.agent_type())?;
            if let Some(v) = version {
                text_element(w, "agentVersion", v)?;
            }
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CID: &str = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    fn event(t: EventType, outcome: EventOutcome, n: u8) -> Event {
        Event {
            id: format!("{n:032x}"),
            event_type: t,
            at: format!("2026-12-01T10:00:0{n}Z"),
            outcome,
            detail: format!("Event {n}."),
            person: "ada@library".into(),
            software: "community-cloud-storage/0.1.0".into(),
            partner: None,
            item: CID.into(),
            name: None,
        }
    }

    fn doc(name: Option<&str>, events: &[Event]) -> String {
        String::from_utf8(write_document(Vec::new(), CID, name, events).unwrap()).unwrap()
    }

    /// The text of every `<name>` element, unescaped, read back with a real
    /// XML parser (so escaping is judged by what a reader gets).
    fn texts(xml: &str, name: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut out = Vec::new();
        let mut inside = false;
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(s) if s.name().as_ref() == name.as_bytes() => {
                    inside = true;
                    out.push(String::new());
                }
                XmlEvent::End(e) if e.name().as_ref() == name.as_bytes() => inside = false,
                XmlEvent::Text(t) if inside => {
                    if let Some(last) = out.last_mut() {
                        last.push_str(&t.decode().unwrap());
                    }
                }
                XmlEvent::GeneralRef(r) if inside => {
                    let entity = r.decode().unwrap();
                    let ch = match entity.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    if let Some(last) = out.last_mut() {
                        last.push_str(ch);
                    }
                }
                XmlEvent::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_event_type_maps_to_its_premis_label_and_vocabulary_term() {
        let all = [
            (EventType::Ingestion, "ingestion", "ing"),
            (EventType::FixityCheck, "fixity check", "fix"),
            (EventType::Recovery, "recovery", "rec"),
            (EventType::Dissemination, "dissemination", "dis"),
            (
                EventType::MetadataModification,
                "metadata modification",
                "mem",
            ),
            (EventType::Deletion, "deletion", "del"),
            (EventType::PolicyAssignment, "policy assignment", "poa"),
            (EventType::Replication, "replication", "rep"),
            (EventType::Deaccession, "deaccession", "dea"),
        ];
        for (t, label, code) in all {
            // The match in `event_type` is exhaustive, so a new type cannot
            // go without a term; this pins each term to LoC's vocabulary.
            let term = event_type(t);
            assert_eq!(term.label, label);
            assert_eq!(
                term.value_uri(),
                format!("http://id.loc.gov/vocabulary/preservation/eventType/{code}")
            );
        }
        let events: Vec<Event> = all
            .iter()
            .enumerate()
            .map(|(n, (t, ..))| event(*t, EventOutcome::Success, n as u8))
            .collect();
        let xml = doc(None, &events);
        assert_eq!(
            texts(&xml, "eventType"),
            all.iter()
                .map(|(_, l, _)| l.to_string())
                .collect::<Vec<_>>()
        );
        for (_, _, code) in all {
            assert!(
                xml.contains(&format!(
                    "valueURI=\"http://id.loc.gov/vocabulary/preservation/eventType/{code}\""
                )),
                "{xml}"
            );
        }
    }

    #[test]
    fn names_with_markup_quotes_and_unicode_come_back_as_written() {
        let name = r#"Minutes <1921> & "Annual" 'Report' — Ünïcödé 日本 🎞"#;
        let mut e = event(EventType::Ingestion, EventOutcome::Success, 1);
        e.detail = format!("Added \"{name}\" (2 files).");
        e.person = "o'brien&co@<archive>".into();
        e.partner = Some("north \"branch\" <1>".into());
        let xml = doc(Some(name), &[e]);
        assert_eq!(texts(&xml, "originalName"), [name]);
        assert_eq!(
            texts(&xml, "eventDetail"),
            [format!("Added \"{name}\" (2 files).")]
        );
        assert_eq!(
            texts(&xml, "agentName"),
            [
                "o'brien&co@<archive>",
                "community-cloud-storage",
                "north \"branch\" <1>"
            ]
        );
        // Nothing raw slipped through as markup.
        assert!(
            !xml.contains("<1921>") && !xml.contains("<archive>"),
            "{xml}"
        );
    }

    #[test]
    fn characters_xml_cannot_hold_are_replaced_not_written() {
        let name = "scan\u{1}\u{8}01\u{FFFF}.tif\ttab";
        let xml = doc(
            Some(name),
            &[event(EventType::Deletion, EventOutcome::Success, 1)],
        );
        assert_eq!(
            texts(&xml, "originalName"),
            ["scan\u{FFFD}\u{FFFD}01\u{FFFD}.tif\ttab"]
        );
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn agents_are_listed_once_each_and_linked_from_every_event() {
        let mut a = event(EventType::Ingestion, EventOutcome::Success, 1);
        a.software = "ccs-app/0.2.0".into();
        let mut b = event(EventType::FixityCheck, EventOutcome::Failure, 2);
        b.partner = Some("peer2".into());
        let mut c = event(EventType::FixityCheck, EventOutcome::Success, 3);
        c.partner = Some("peer2".into());
        c.person = "bo@library".into();
        let xml = doc(Some("x"), &[a, b, c]);
        assert_eq!(
            texts(&xml, "agentIdentifierValue"),
            [
                "ada@library",
                "ccs-app/0.2.0",
                "community-cloud-storage/0.1.0",
                "peer2",
                "bo@library"
            ]
        );
        assert_eq!(texts(&xml, "agentVersion"), ["0.2.0", "0.1.0"]);
        assert_eq!(
            texts(&xml, "agentType")[..4],
            ["person", "software", "software", "organization"]
        );
        assert_eq!(texts(&xml, "eventOutcome"), ["success", "fail", "success"]);
        assert_eq!(
            texts(&xml, "linkingAgentRole"),
            [
                "implementer",
                "executing program",
                "implementer",
                "executing program",
                PARTNER_ROLE,
                "implementer",
                "executing program",
                PARTNER_ROLE
            ]
        );
        assert!(xml.contains(r#"LinkAgentXmlID="agent-4""#), "{xml}");
        assert_eq!(texts(&xml, "linkingObjectIdentifierValue"), [CID, CID, CID]);
        assert!(
            xml.contains(&format!(
                "valueURI=\"{VOCABULARIES}/eventRelatedAgentRole/imp\""
            )),
            "{xml}"
        );
    }

    #[test]
    fn the_root_object_and_order_are_premis_3() {
        let mut other = event(EventType::Deletion, EventOutcome::Success, 3);
        other.item = "QmOther".into();
        let xml = doc(
            None,
            &[
                event(EventType::Ingestion, EventOutcome::Success, 1),
                other,
                event(EventType::FixityCheck, EventOutcome::Success, 2),
            ],
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<premis xmlns=\"http://www.loc.gov/premis/v3\""), "{xml}");
        assert!(xml.contains(r#"version="3.0""#));
        assert!(
            xml.contains(r#"<object xsi:type="representation" xmlID="object-1">"#),
            "{xml}"
        );
        assert_eq!(
            texts(&xml, "objectIdentifierType"),
            [OBJECT_IDENTIFIER_TYPE]
        );
        assert_eq!(texts(&xml, "objectIdentifierValue"), [CID]);
        // No title, no originalName; the other item's event left out; order kept.
        assert!(!xml.contains("originalName"));
        assert_eq!(texts(&xml, "eventType"), ["ingestion", "fixity check"]);
        // PREMIS's sequence: objects, then events, then agents.
        let (o, e, a) = (
            xml.find("<object").unwrap(),
            xml.find("<event ").unwrap(),
            xml.find("<agent ").unwrap(),
        );
        assert!(o < e && e < a, "{xml}");
        assert!(xml.ends_with("</premis>\n"));
    }
}
