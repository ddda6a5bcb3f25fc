//! Small blocks and CARs built in memory for the reader's unit tests.

use bytes::Bytes;
use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};

use super::unixfs::{DAG_PB, RAW};

pub(super) async fn car_of(blocks: &[(Cid, Vec<u8>)], root: Cid) -> Vec<u8> {
    let header = iroh_car::CarHeader::new_v1(vec![root]);
    let mut buf = Vec::new();
    let mut w = iroh_car::CarWriter::new(header, &mut buf);
    for (c, d) in blocks {
        w.write(*c, d).await.unwrap();
    }
    w.finish().await.unwrap();
    buf
}

pub(super) fn raw(data: &[u8]) -> (Cid, Vec<u8>) {
    (Cid::new_v1(RAW, Code::Sha2_256.digest(data)), data.to_vec())
}

/// A UnixFS file node whose chunks are `links`.
pub(super) fn file_node(links: &[(Cid, u64)]) -> (Cid, Vec<u8>) {
    let total: u64 = links.iter().map(|l| l.1).sum();
    let mut fs = vec![0x08, 0x02, 0x18];
    let mut w = Vec::new();
    quick_varint(total, &mut w);
    fs.extend(w);
    let node = ipld_dagpb::PbNode {
        links: links
            .iter()
            .map(|(c, s)| ipld_dagpb::PbLink {
                cid: *c,
                name: Some(String::new()),
                size: Some(*s),
            })
            .collect(),
        data: Some(Bytes::from(fs)),
    };
    let bytes = node.into_bytes();
    (Cid::new_v1(DAG_PB, Code::Sha2_256.digest(&bytes)), bytes)
}

pub(super) fn dir_node(entries: &[(&str, Cid)]) -> (Cid, Vec<u8>) {
    let node = ipld_dagpb::PbNode {
        links: entries
            .iter()
            .map(|(n, c)| ipld_dagpb::PbLink {
                cid: *c,
                name: Some((*n).to_string()),
                size: Some(1),
            })
            .collect(),
        data: Some(Bytes::from_static(&[0x08, 0x01])),
    };
    let bytes = node.into_bytes();
    (Cid::new_v0(Code::Sha2_256.digest(&bytes)).unwrap(), bytes)
}

fn quick_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}
