pub mod crypto;
pub mod wire;
