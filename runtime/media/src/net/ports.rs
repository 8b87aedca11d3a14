//! RTP/RTCP port pairs from a configured range (RTP even, RTCP = RTP + 1).

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use super::totals::MediaTotals;

/// Why no port pair could be had.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// Every pair in the range is leased or taken by another process.
    #[error("no free RTP port pair in {start}-{end}")]
    Exhausted {
        /// First port of the range.
        start: u16,
        /// Last port of the range.
        end: u16,
    },
    /// The range is empty or has no even port with room for RTCP.
    #[error("invalid RTP port range {0}-{1}")]
    InvalidRange(u16, u16),
}

#[derive(Debug)]
struct Pool {
    free: Mutex<VecDeque<u16>>,
    start: u16,
    end: u16,
    /// Packet totals of every session bound on these ports.
    totals: Arc<MediaTotals>,
}

/// Hands out port pairs; shared by all calls (clone it).
#[derive(Debug, Clone)]
pub struct PortAllocator {
    pool: Arc<Pool>,
}

/// A leased pair; it returns to the pool when the lease is dropped.
#[derive(Debug)]
pub struct PortLease {
    pool: Arc<Pool>,
    rtp_port: u16,
}

/// A lease with its two sockets bound.
#[derive(Debug)]
pub struct BoundPair {
    /// Keep this as long as the sockets are used.
    pub lease: PortLease,
    /// The bound RTP socket.
    pub rtp: std::net::UdpSocket,
    /// The bound RTCP socket.
    pub rtcp: std::net::UdpSocket,
}

impl PortAllocator {
    /// An allocator over `start..=end` (inclusive).
    pub fn new(start: u16, end: u16) -> Result<Self, PortError> {
        let first_even = start.saturating_add(start % 2);
        let free: VecDeque<u16> = (first_even..end).step_by(2).filter(|p| *p > 0).collect();
        if free.is_empty() {
            return Err(PortError::InvalidRange(start, end));
        }
        Ok(Self {
            pool: Arc::new(Pool {
                free: Mutex::new(free),
                start,
                end,
                totals: Arc::default(),
            }),
        })
    }

    /// Packet totals over every session bound through this allocator (and its clones).
    pub fn totals(&self) -> Arc<MediaTotals> {
        Arc::clone(&self.pool.totals)
    }

    /// Pairs currently free in the pool.
    pub fn available(&self) -> usize {
        self.pool.free.lock().map_or(0, |f| f.len())
    }

    /// Leases a pair on `ip`, skipping pairs another process holds.
    pub fn allocate(&self, ip: IpAddr) -> Result<BoundPair, PortError> {
        let exhausted = || PortError::Exhausted {
            start: self.pool.start,
            end: self.pool.end,
        };
        let attempts = self.available();
        for _ in 0..attempts {
            // Least recently used first, so a just-released port is not reused at once
            // (late packets of the old call would reach the new one).
            let port = self
                .pool
                .free
                .lock()
                .ok()
                .and_then(|mut f| f.pop_front())
                .ok_or_else(exhausted)?;
            let rtp = std::net::UdpSocket::bind(SocketAddr::new(ip, port));
            let rtcp = std::net::UdpSocket::bind(SocketAddr::new(ip, port + 1));
            match (rtp, rtcp) {
                (Ok(rtp), Ok(rtcp)) => {
                    return Ok(BoundPair {
                        lease: PortLease {
                            pool: Arc::clone(&self.pool),
                            rtp_port: port,
                        },
                        rtp,
                        rtcp,
                    });
                }
                _ => release(&self.pool, port),
            }
        }
        Err(exhausted())
    }
}

impl PortLease {
    /// The RTP port (RTCP is the next one).
    pub fn rtp_port(&self) -> u16 {
        self.rtp_port
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        release(&self.pool, self.rtp_port);
    }
}

fn release(pool: &Pool, port: u16) {
    if let Ok(mut free) = pool.free.lock() {
        free.push_back(port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn pairs_are_even_leased_once_and_returned_on_drop() {
        let allocator = PortAllocator::new(41_001, 41_007).unwrap();
        assert_eq!(allocator.available(), 3, "41002, 41004, 41006");
        let a = allocator.allocate(LOCALHOST).unwrap();
        let b = allocator.allocate(LOCALHOST).unwrap();
        let c = allocator.allocate(LOCALHOST).unwrap();
        let mut ports = vec![a.lease.rtp_port(), b.lease.rtp_port(), c.lease.rtp_port()];
        ports.sort();
        assert_eq!(ports, [41_002, 41_004, 41_006]);
        assert_eq!(a.rtcp.local_addr().unwrap().port(), a.lease.rtp_port() + 1);
        assert!(matches!(
            allocator.allocate(LOCALHOST),
            Err(PortError::Exhausted { .. })
        ));
        drop(b);
        assert_eq!(allocator.available(), 1);
        assert_eq!(
            allocator.allocate(LOCALHOST).unwrap().lease.rtp_port(),
            41_004
        );
    }

    #[test]
    fn ports_held_elsewhere_are_skipped() {
        let squatter = std::net::UdpSocket::bind((LOCALHOST, 41_020)).unwrap();
        let allocator = PortAllocator::new(41_020, 41_023).unwrap();
        assert_eq!(
            allocator.allocate(LOCALHOST).unwrap().lease.rtp_port(),
            41_022
        );
        drop(squatter);
        assert!(matches!(
            PortAllocator::new(41_030, 41_030),
            Err(PortError::InvalidRange(..))
        ));
    }
}
