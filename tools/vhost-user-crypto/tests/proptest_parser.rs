// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Property: whatever the guest puts in a request, the handlers return
//! (no panic), report at most the writable length, and write a defined
//! status. Bounded: a few hundred cases per property.

mod common;

use common::build::{data_header, hash_session, Fields};
use common::{Harness, Seg};
use proptest::prelude::*;

const FEATURES: [u64; 3] = [common::LEGACY, common::REV1, common::STATELESS];
const OPCODES: [u32; 10] = [0x000, 0x001, 0x100, 0x200, 0x300, 0x301, 0x400, 0x002, 0x103, 0xffff];

fn check(h: &Harness, control: bool, segs: &[Seg], writable: u32) {
    let r = h.submit(control, segs);
    assert!(r.used_len <= writable);
    if r.used_len > 0 && !control {
        assert!(r.data_status() <= 6, "undefined status {}", r.data_status());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(feat in 0usize..3, control: bool, bytes in proptest::collection::vec(any::<u8>(), 0..300), w in 0u32..300) {
        let h = Harness::new(FEATURES[feat]);
        check(&h, control, &[Seg::R(bytes), Seg::W(w)], w);
    }

    /// Plausible headers with random fixed fields, so parsing gets deep.
    #[test]
    fn random_fields(
        feat in 0usize..3,
        op in 0usize..10,
        session in 0u64..4,
        flag in 0u32..3,
        fields in proptest::collection::vec(prop_oneof![0u32..40, Just(u32::MAX), any::<u32>()], 19),
        tail in proptest::collection::vec(any::<u8>(), 0..200),
        w in proptest::collection::vec(0u32..128, 1..4),
    ) {
        let h = Harness::new(FEATURES[feat]);
        h.control(hash_session(3, 0, if feat == 0 { 56 } else { 8 }), 16);
        let mut f = Fields::default();
        for v in &fields {
            f = f.u32(*v);
        }
        let req = data_header(OPCODES[op], session, flag).bytes(&f.0).bytes(&tail).done();
        let total: u32 = w.iter().sum();
        let segs: Vec<Seg> = std::iter::once(Seg::R(req)).chain(w.into_iter().map(Seg::W)).collect();
        check(&h, false, &segs, total);
    }
}
