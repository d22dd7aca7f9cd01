//! What two bidders can share, where it is read from, and how it may be weighed.

use std::fmt;

/// One kind of link between two bidders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// The same 法定代表人/单位负责人 (`bidders.legal_rep_id`).
    LegalRep,
    /// One controls the other, or one holder controls both (`shareholders`, > 50 % or 实际控制人).
    Controller,
    /// The same bid-authoring machine code (`bids.machine_code`).
    MachineCode,
    /// The same network card (`bids.upload_mac`).
    Mac,
    /// A pricing-software lock serial in both bids (`bids.lock_serials`).
    LockSerial,
    /// The same file-creation id (`bids.file_create_id`).
    FileCreateId,
    /// The same public upload IP (`bids.upload_ip`).
    UploadIp,
    /// The same document author (`bids.doc_author`).
    DocAuthor,
    /// The same person in both bids' personnel (`bid_personnel.person_id`).
    Personnel,
    /// The same authorised representative (`bids.authorized_rep_id`).
    AuthorizedRep,
    /// Both bid bonds paid from one account (`bids.bond_account`).
    BondAccount,
    /// A's bond paid from B's own basic account (`bids.bond_account` = `bidders.basic_account`).
    BondFromOther,
    /// A person named in A's bid pays social insurance at B (`employment`).
    Employment,
    /// The same phone number (`bidders.phone`).
    Phone,
    /// The same e-mail address (`bidders.email`).
    Email,
    /// The same office address (`bidders.address`).
    Address,
    /// A natural-person shareholder of both (`shareholders`, not controlling both).
    SharedHolder,
    /// Both prices on one ladder in a project (PRC-001); corroboration only.
    PriceLadder,
    /// Both prices in one tight cluster under the ceiling (PRC-002); corroboration only.
    PriceCluster,
    /// The same bid file, by its hash (`bids.doc_hash`): two bids that are one document. Last in
    /// the order so that adding it left the order of every other kind (and of their hits) as it was.
    DocHash,
}

impl LinkKind {
    pub const ALL: [LinkKind; 20] = [
        LinkKind::LegalRep,
        LinkKind::Controller,
        LinkKind::MachineCode,
        LinkKind::Mac,
        LinkKind::LockSerial,
        LinkKind::FileCreateId,
        LinkKind::UploadIp,
        LinkKind::DocAuthor,
        LinkKind::Personnel,
        LinkKind::AuthorizedRep,
        LinkKind::BondAccount,
        LinkKind::BondFromOther,
        LinkKind::Employment,
        LinkKind::Phone,
        LinkKind::Email,
        LinkKind::Address,
        LinkKind::SharedHolder,
        LinkKind::PriceLadder,
        LinkKind::PriceCluster,
        LinkKind::DocHash,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable name used in configuration and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::LegalRep => "legal_rep",
            LinkKind::Controller => "controller",
            LinkKind::MachineCode => "machine_code",
            LinkKind::Mac => "mac",
            LinkKind::LockSerial => "lock_serial",
            LinkKind::FileCreateId => "file_create_id",
            LinkKind::UploadIp => "upload_ip",
            LinkKind::DocAuthor => "doc_author",
            LinkKind::Personnel => "personnel",
            LinkKind::AuthorizedRep => "authorized_rep",
            LinkKind::BondAccount => "bond_account",
            LinkKind::BondFromOther => "bond_from_other",
            LinkKind::Employment => "employment",
            LinkKind::Phone => "phone",
            LinkKind::Email => "email",
            LinkKind::Address => "address",
            LinkKind::SharedHolder => "shared_holder",
            LinkKind::PriceLadder => "price_ladder",
            LinkKind::PriceCluster => "price_cluster",
            LinkKind::DocHash => "doc_hash",
        }
    }

    /// Where the shared value is read from, as `table.column`.
    pub fn field(self) -> &'static str {
        match self {
            LinkKind::LegalRep => "bidders.legal_rep_id",
            LinkKind::Controller | LinkKind::SharedHolder => "shareholders.holder_id",
            LinkKind::MachineCode => "bids.machine_code",
            LinkKind::Mac => "bids.upload_mac",
            LinkKind::LockSerial => "bids.lock_serials",
            LinkKind::FileCreateId => "bids.file_create_id",
            LinkKind::UploadIp => "bids.upload_ip",
            LinkKind::DocAuthor => "bids.doc_author",
            LinkKind::Personnel => "bid_personnel.person_id",
            LinkKind::AuthorizedRep => "bids.authorized_rep_id",
            LinkKind::BondAccount | LinkKind::BondFromOther => "bids.bond_account",
            LinkKind::Employment => "employment.person_id",
            LinkKind::Phone => "bidders.phone",
            LinkKind::Email => "bidders.email",
            LinkKind::Address => "bidders.address",
            LinkKind::PriceLadder | LinkKind::PriceCluster => "bids.price",
            LinkKind::DocHash => "bids.doc_hash",
        }
    }

    /// What is shared, for a sentence.
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            LinkKind::LegalRep => ("法定代表人相同", "the same legal representative"),
            LinkKind::Controller => ("存在控股关系或同一控股股东", "a control relation or the same controlling holder"),
            LinkKind::MachineCode => ("投标文件编制机器码相同", "the same bid-authoring machine code"),
            LinkKind::Mac => ("上传MAC地址相同", "the same upload MAC address"),
            LinkKind::LockSerial => ("计价软件加密锁号相同", "the same pricing-software lock serial"),
            LinkKind::FileCreateId => ("文件创建标识码相同", "the same file-creation id"),
            LinkKind::UploadIp => ("上传IP地址相同", "the same upload IP address"),
            LinkKind::DocAuthor => ("投标文件作者相同", "the same document author"),
            LinkKind::Personnel => ("投标文件载明的项目管理成员为同一人", "the same person among both bids' staff"),
            LinkKind::AuthorizedRep => ("授权委托人为同一人", "the same authorised representative"),
            LinkKind::BondAccount => ("投标保证金从同一账户转出", "bid bonds paid from one account"),
            LinkKind::BondFromOther => ("投标保证金从另一投标人的基本账户转出", "a bid bond paid from the other bidder's basic account"),
            LinkKind::Employment => {
                ("投标人员在另一投标人处缴纳社保", "a person named in one bid pays social insurance at the other bidder")
            }
            LinkKind::Phone => ("联系电话相同", "the same phone number"),
            LinkKind::Email => ("电子邮箱相同", "the same e-mail address"),
            LinkKind::Address => ("办公地址相同", "the same office address"),
            LinkKind::SharedHolder => ("有共同的自然人股东", "a natural-person shareholder in common"),
            LinkKind::PriceLadder => ("报价处于同一规律性阶梯", "prices on one regular ladder"),
            LinkKind::PriceCluster => ("报价同处紧贴限价的密集区", "prices in one tight cluster under the ceiling"),
            LinkKind::DocHash => ("投标文件哈希值相同（同一份文件）", "the same bid-file hash (one and the same file)"),
        };
        if zh {
            z
        } else {
            e
        }
    }

    /// Whether the statute presumes collusion from this fact alone (实施条例 Art. 34, 40;
    /// 财政部令87号 Art. 37): 视为/属于, or bids that are invalid by law.
    pub fn statutory(self) -> bool {
        matches!(
            self,
            LinkKind::LegalRep
                | LinkKind::Controller
                | LinkKind::MachineCode
                | LinkKind::LockSerial
                | LinkKind::FileCreateId
                | LinkKind::Personnel
                | LinkKind::AuthorizedRep
                | LinkKind::BondAccount
                | LinkKind::BondFromOther
                | LinkKind::DocHash
        )
    }

    /// Whether a value of this kind can be shared innocently by many bidders (a carrier NAT, the
    /// trading hall's machines, a template author, a guarantee company's account), so that its
    /// weight falls with the number of bidders that use it. Facts about people and owners are not
    /// discounted: a person named in thirty bids is thirty times the problem, not a thirtieth.
    pub fn discounted(self) -> bool {
        matches!(
            self,
            LinkKind::MachineCode
                | LinkKind::Mac
                | LinkKind::LockSerial
                | LinkKind::FileCreateId
                | LinkKind::UploadIp
                | LinkKind::DocAuthor
                | LinkKind::BondAccount
                | LinkKind::BondFromOther
                | LinkKind::Phone
                | LinkKind::Email
                | LinkKind::Address
                | LinkKind::DocHash
        )
    }

    /// Identifiers of one licence, one file or one machine, which nothing innocent makes many firms
    /// share (unlike an IP address or an author name): their commonness discount starts later, by
    /// [`crate::LinkConfig::unique_id_half_factor`].
    pub fn unique_id(self) -> bool {
        matches!(
            self,
            LinkKind::MachineCode
                | LinkKind::LockSerial
                | LinkKind::FileCreateId
                | LinkKind::BondAccount
                | LinkKind::BondFromOther
                | LinkKind::DocHash
        )
    }

    /// Whether each project's sharing is a new observation: an upload IP is seen afresh at every
    /// upload (an office's address changes, a coincidence does not repeat tender after tender),
    /// while a legal representative or an author setting is one fact however often it shows.
    pub fn observed_per_project(self) -> bool {
        matches!(self, LinkKind::UploadIp)
    }

    /// Network identities of the uploading machine.
    pub fn network(self) -> bool {
        matches!(self, LinkKind::UploadIp | LinkKind::Mac)
    }

    /// Price patterns: evidence only together with a link of another kind in the same project.
    pub fn price_pattern(self) -> bool {
        matches!(self, LinkKind::PriceLadder | LinkKind::PriceCluster)
    }

    /// Contact details: together they weigh at most the contact cap.
    pub fn contact(self) -> bool {
        matches!(self, LinkKind::Phone | LinkKind::Email | LinkKind::Address)
    }

    /// Whether the value identifies a person (身份证号, phone, bank account) and is masked in exports.
    pub fn personal(self) -> bool {
        matches!(
            self,
            LinkKind::LegalRep
                | LinkKind::Controller
                | LinkKind::Personnel
                | LinkKind::AuthorizedRep
                | LinkKind::BondAccount
                | LinkKind::BondFromOther
                | LinkKind::Employment
                | LinkKind::Phone
                | LinkKind::SharedHolder
        )
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_in_index_order() {
        for (i, k) in LinkKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i, "{k}");
        }
    }
}
