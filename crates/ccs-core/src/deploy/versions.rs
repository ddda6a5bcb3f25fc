//! The daemon versions we test against and deploy. Written once, here: the test
//! daemons are built from these Go modules and the compose generator emits these
//! image tags, so what we deploy is what we test.

/// One daemon program: where its Go source lives and which image runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daemon {
    /// Short name used for the cache folder, e.g. `kubo`.
    pub name: &'static str,
    /// The program's name as people know it, for messages.
    pub title: &'static str,
    /// Go module path.
    pub module: &'static str,
    /// Module version tag, also the image tag.
    pub version: &'static str,
    /// Commands (package paths inside the module) built from it.
    pub commands: &'static [&'static str],
    /// Container image that runs the same version.
    pub image: &'static str,
}

/// kubo, the IPFS node that stores the blocks.
pub const KUBO: Daemon = Daemon {
    name: "kubo",
    title: "kubo",
    module: "github.com/ipfs/kubo",
    version: "v0.43.1",
    commands: &["cmd/ipfs"],
    image: "ipfs/kubo:v0.43.1",
};

/// IPFS Cluster, which decides who pins what.
pub const IPFS_CLUSTER: Daemon = Daemon {
    name: "ipfs-cluster",
    title: "IPFS Cluster",
    module: "github.com/ipfs-cluster/ipfs-cluster",
    version: "v1.1.6",
    commands: &["cmd/ipfs-cluster-service", "cmd/ipfs-cluster-ctl"],
    image: "ipfs/ipfs-cluster:v1.1.6",
};

/// Every daemon, in start order.
pub const DAEMONS: [Daemon; 2] = [KUBO, IPFS_CLUSTER];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_match_module_versions() {
        for d in DAEMONS {
            let tag = d.image.rsplit(':').next().unwrap_or_default();
            assert_eq!(tag, d.version, "{} image and module drifted apart", d.name);
        }
    }
}
