# shellcheck shell=bash
# The knobs a run of N concurrent loopback connections needs, shared by check and apply:
# kt_eval N calls kt_emit STATUS NAME CURRENT NEEDED SETVALUE WHY once per knob.
#
# STATUS is ok, SHORT (the run of N is limited; check exits 1) or info (worth knowing,
# never a failure). SETVALUE is what apply writes with sysctl -w for a SHORT knob, or ""
# when no sysctl fixes it. Every number is derived below or measured (see README.md).

# Measured on this machine (Linux 6.18, README.md "Kernel memory per connection"):
KT_PAIR_SLAB=7900    # slab bytes per idle established loopback pair (2 sockets)
KT_RING_VM_KIB=399445 # address space ukit-server reserves per ring (VmSize slope)
KT_RING_MAPS=8       # mappings per ring (measured 7.6), plus KT_BASE_MAPS per process
KT_BASE_MAPS=64
# From the ukit sources:
KT_SQ_ENTRIES=1024   # src/loop/uring.c SQ_ENTRIES: sends one ring can submit at once
KT_BACKLOG=65535     # src/server/listener.c: listen(fd, 65535)
KT_FIXED_MAX=1048576 # IORING_MAX_FIXED_FILES

KT_PAGE=$(getconf PAGESIZE 2>/dev/null || echo 4096)

# value of a sysctl, tabs squeezed to spaces; "" if the kernel has no such knob
kt_get() {
	local f="/proc/sys/${1//.//}"
	if [ -r "$f" ]; then tr -s ' \t' '  ' <"$f"; else echo ""; fi
}

kt_ceil() { echo $((($1 + $2 - 1) / $2)); }

# rounded up to the next multiple of 65536 above x: apply's margin over a need that
# moves a little with what else runs (e.g. files in use now)
kt_up() { echo $((($1 / 65536 + 1) * 65536)); }

kt_gib() { # bytes, in GiB (MiB below 1 GiB)
	awk -v b="$1" 'BEGIN { if (b < 1073741824) printf "%.0f MiB", b / 1048576
		else printf "%.1f GiB", b / 1073741824 }'
}

kt_meminfo() { awk -v k="$1:" '$1 == k { printf "%.0f\n", $2 * 1024 }' /proc/meminfo; }

kt_netstat() { # TcpExt counter by name
	awk -v k="$1" '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }
		else for (i = 1; i <= NF; i++) if (n[i] == k) print $i }' /proc/net/netstat
}

kt_softnet_drops() { # second column of softnet_stat, hex, summed over CPUs
	local sum=0 x
	while read -r _ x _; do sum=$((sum + 16#$x)); done </proc/net/softnet_stat
	echo "$sum"
}

# hard RLIMIT_NOFILE as a number (ukit-server raises its soft limit to it)
kt_nofile_hard() {
	local h
	h=$(ulimit -Hn)
	[ "$h" = unlimited ] && h=$KT_FIXED_MAX
	echo "$h"
}

# Rings ukit-server plans for N connections, as src/server/main.c plan() does: a ring
# holds RLIMIT_NOFILE slots less a reserve for an accept burst (src/loop/uring.c
# loop_slot_reserve: the listen backlog, min(4096, slots/4), and a quarter more),
# rings come in equal numbers per core, with 5% slack when there is more than one core.
kt_per_ring() {
	local slots backlog
	slots=$(kt_nofile_hard)
	[ "$slots" -gt "$KT_FIXED_MAX" ] && slots=$KT_FIXED_MAX
	backlog=$((slots / 4))
	[ "$backlog" -gt 4096 ] && backlog=4096
	[ "$backlog" -lt 1 ] && backlog=1
	echo $((slots - backlog - (backlog + 3) / 4))
}

kt_rings() {
	local n=$1 cpus need rings
	cpus=$(nproc)
	need=$n
	[ "$cpus" -gt 1 ] && need=$(((n * 105 + 99) / 100))
	rings=$(kt_ceil "$need" "$(kt_per_ring)")
	[ "$rings" -lt "$cpus" ] && rings=$cpus
	echo $(((rings + cpus - 1) / cpus * cpus))
}

# memory limit of this process's memory cgroup and its ancestors (v1 or v2), or ""
kt_cgroup_limit() {
	local rel dir file lim min=""
	rel=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	if [ -n "$rel" ] && [ -d /sys/fs/cgroup/memory ]; then
		dir=/sys/fs/cgroup/memory$rel
		file=memory.limit_in_bytes
	else
		rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
		dir=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)$rel
		file=memory.max
	fi
	while [ -n "$dir" ] && [ -d "$dir" ]; do
		if [ -r "$dir/$file" ]; then
			lim=$(cat "$dir/$file")
			# v1 says "no limit" with a huge number, v2 with "max"
			if [ "$lim" != max ] && [ "${#lim}" -lt 19 ]; then
				if [ -z "$min" ] || [ "$lim" -lt "$min" ]; then min=$lim; fi
			fi
		fi
		[ "$dir" = / ] && break
		case $dir in /sys/fs/cgroup | /sys/fs/cgroup/memory | /sys/fs/cgroup/unified) break ;; esac
		dir=${dir%/*}
	done
	echo "$min"
}

# is PORT one of the ports in an ip_local_reserved_ports list ("8000,9000-9100")?
kt_port_reserved() {
	local port=$1 list=$2 item lo hi
	local IFS=,
	for item in $list; do
		lo=${item%-*}
		hi=${item#*-}
		[ -n "$lo" ] && [ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ] && return 0
	done
	return 1
}

# does anything make conntrack track connections in this network namespace?
kt_conntrack_rules() {
	local t
	for t in /proc/net/ip_tables_names /proc/net/ip6_tables_names; do
		[ -s "$t" ] && { echo "iptables tables: $(tr '\n' ' ' <"$t")"; return 0; }
	done
	if command -v nft >/dev/null 2>&1 && [ -n "$(nft list ruleset 2>/dev/null)" ]; then
		echo "nftables rules present"
		return 0
	fi
	return 1
}

# kt_knob NAME FUNC [ABSENT]: FUNC gets the knob's value; a knob this kernel or this
# network namespace does not show (global ones are seen only from the initial one)
# gets an info line instead
kt_knob() {
	local v
	v=$(kt_get "$1")
	if [ -z "$v" ] && [ ! -e "/proc/sys/${1//.//}" ]; then
		kt_emit info "$1" absent - "" \
			"${3:-not in this kernel, or global and visible only from the initial network namespace}"
		return 0
	fi
	"$2" "$v"
}

# Each kt_k_* gets the live value as $1 and emits one line. They read N and what is
# derived from it from these globals, set by kt_eval.
KT_N=0 KT_S=0 KT_CPUS=1 KT_RINGS=1 KT_PER_RING=1 KT_LO=0 KT_HI=0 KT_KNEED=0

kt_k_file_max() {
	local inuse need st=ok
	inuse=$(cut -f1 /proc/sys/fs/file-nr)
	need=$((KT_S + inuse + 10000))
	[ "$1" -lt "$need" ] && st=SHORT
	kt_emit $st fs.file-max "$1" "$need" "$(kt_up "$need")" \
		"open files system-wide: 2N sockets (io_uring direct descriptors are files too) + $inuse open now + 10000; short: socket/accept fail ENFILE (CAP_SYS_ADMIN is exempt)"
}

kt_k_nr_open() {
	local need=$((KT_N + 1024)) st=ok
	[ "$1" -lt "$need" ] && st=SHORT
	kt_emit $st fs.nr_open "$1" "$need" "$(kt_up "$need")" \
		"ceiling of any process's RLIMIT_NOFILE: the epoll build and limits.d/90-ukit.conf want N + 1024 fds per process; short: setrlimit and logins with a higher nofile fail"
}

kt_k_nofile() {
	local soft hard
	soft=$(ulimit -Sn)
	hard=$(ulimit -Hn)
	kt_emit info RLIMIT_NOFILE "$soft/$hard" "any" "" \
		"not needed by ukit: connections are io_uring direct descriptors, outside the fd table; a ring's registered file table is capped at RLIMIT_NOFILE, so ukit-server runs $KT_RINGS rings of $KT_PER_RING for N (elsewhere: limits.d/90-ukit.conf)"
	kt_emit info "RLIMIT_NOFILE(epoll)" "$soft/$hard" "$((KT_N + 1024))" "" \
		"the epoll build needs one fd per connection, N + 1024 per process: here it holds under $hard connections, then accept fails EMFILE"
}

kt_k_port_range() {
	local range per_addr st=ok set=""
	read -r KT_LO KT_HI <<<"$1"
	range=$((KT_HI - KT_LO + 1))
	per_addr=${UKIT_CONNS_PER_ADDR:-4000}
	if [ "$range" -lt "$per_addr" ]; then
		st=SHORT
		if [ "$per_addr" -le 28232 ]; then
			set="32768 60999"
		elif [ "$per_addr" -le 64512 ]; then
			set="1024 65535"
		fi
	fi
	kt_emit $st net.ipv4.ip_local_port_range "$1" ">= $per_addr ports" "$set" \
		"connections per (source address, server ip:port): at ukit-client's $per_addr per address N uses $(kt_ceil "$KT_N" "$per_addr") loopback source addresses, at the full $range $(kt_ceil "$KT_N" "$range"); short: connect fails EADDRNOTAVAIL"
}

kt_k_reserved() {
	local port=${UKIT_PORT:-8000} st=ok set=""
	local why="server port $port is outside the ephemeral range: no client socket can take it"
	if [ "$port" -ge "$KT_LO" ] && [ "$port" -le "$KT_HI" ]; then
		if kt_port_reserved "$port" "$1"; then
			why="server port $port is inside the ephemeral range and reserved"
		else
			st=SHORT
			set=${1:+$1,}$port
			why="server port $port is inside the ephemeral range: a client may take it as a source port and a restarted ukit-server fails to bind (EADDRINUSE)"
		fi
	fi
	kt_emit $st net.ipv4.ip_local_reserved_ports "${1:-none}" "$port if in range" "$set" "$why"
}

kt_backlog_need() { [ "$KT_N" -lt "$KT_BACKLOG" ] && echo "$KT_N" || echo "$KT_BACKLOG"; }

kt_k_somaxconn() {
	local need st=ok
	need=$(kt_backlog_need)
	[ "$1" -lt "$need" ] && st=SHORT
	kt_emit $st net.core.somaxconn "$1" "$need" "$KT_BACKLOG" \
		"caps each listener's accept queue (ukit asks $KT_BACKLOG; a burst holds at most N); short: a connect burst overflows it, SYNs are dropped and resent after 1 s, 3 s, ... (ListenOverflows so far: $(kt_netstat ListenOverflows))"
}

kt_k_syn_backlog() {
	local need st=ok cookies why
	need=$(kt_backlog_need)
	cookies=$(kt_get net.ipv4.tcp_syncookies)
	why="SYN queue per listener, used only when tcp_syncookies=0 (now $cookies): with cookies on, the listen backlog bounds it and overflow is answered with cookies"
	if [ "$1" -lt "$need" ] && [ "$cookies" = 0 ]; then
		st=SHORT
		why="SYN queue per listener with tcp_syncookies=0: once 3/4 full, SYNs from new peers are dropped (connect takes 1 s, 3 s, ...)"
	fi
	kt_emit $st net.ipv4.tcp_max_syn_backlog "$1" "$need" "$KT_BACKLOG" "$why"
}

kt_k_syncookies() {
	local st=ok
	[ "$1" = 1 ] || st=info
	kt_emit $st net.ipv4.tcp_syncookies "$1" "1" "" \
		"1: a full SYN queue answers with cookies instead of dropping SYNs (loopback keeps timestamps, so cookies lose no TCP options)"
}

kt_k_netdev_backlog() {
	local need bound st=ok
	need=$(kt_ceil "$KT_N" "$KT_CPUS")
	bound=$((KT_SQ_ENTRIES * $(kt_ceil $((2 * KT_RINGS)) "$KT_CPUS")))
	[ "$bound" -lt "$need" ] && need=$bound
	[ "$1" -lt "$need" ] && st=SHORT
	kt_emit $st net.core.netdev_max_backlog "$1" "$need" "$need" \
		"loopback packets queued per CPU for the receive softirq; bound: N/CPUs, or $KT_SQ_ENTRIES sends from each of the $((2 * KT_RINGS)) server+client rings on $KT_CPUS CPUs; short: drops (softnet_stat: $(kt_softnet_drops) so far) and 200+ ms retransmits"
}

kt_k_tcp_mem() {
	local low press max now st=ok set=""
	read -r low press max <<<"$1"
	now=$(awk '/^TCP:/ { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat)
	if [ "$press" -lt "$KT_N" ] || [ "$max" -lt "$KT_S" ]; then
		st=SHORT
		[ "$press" -lt "$KT_N" ] && press=$KT_N
		[ "$max" -lt "$KT_S" ] && max=$KT_S
		set="$low $press $max"
	fi
	kt_emit $st net.ipv4.tcp_mem "$1" "pressure>=$KT_N max>=$KT_S" "$set" \
		"pages of all TCP buffers (${now:-?} now): an idle socket holds none, a socket with a message queued holds 1 page (measured); N sockets busy at once stay under pressure, all 2N under max; short: above pressure buffers shrink, above max sends/receives fail (TCP: out of memory)"
}

kt_k_rmem() {
	local lo def hi st=ok set=""
	read -r lo def hi <<<"$1"
	if [ "$lo" -lt 4096 ] || [ "$def" -lt 16384 ]; then
		st=SHORT
		set="4096 131072 $((hi > 131072 ? hi : 131072))"
	fi
	kt_emit $st net.ipv4.tcp_rmem "$1" "min>=4096 default>=16384" "$set" \
		"per-socket receive buffer ceiling, not an allocation (idle sockets hold 0 B); the default lets a 10 KiB response arrive in one window; 2N x default = $(kt_gib $((KT_S * def))) if all filled: tcp_mem bounds that"
}

kt_k_wmem() {
	local lo def hi st=ok set=""
	read -r lo def hi <<<"$1"
	if [ "$lo" -lt 4096 ] || [ "$def" -lt 16384 ]; then
		st=SHORT
		set="4096 16384 $((hi > 16384 ? hi : 16384))"
	fi
	kt_emit $st net.ipv4.tcp_wmem "$1" "min>=4096 default>=16384" "$set" \
		"per-socket send buffer ceiling, not an allocation; the default takes a 10 KiB response in one send; 2N x default = $(kt_gib $((KT_S * def))) if all filled: tcp_mem bounds that"
}

kt_k_memory() {
	local avail cg st=ok
	avail=$(kt_meminfo MemAvailable)
	[ "$avail" -lt "$KT_KNEED" ] && st=SHORT
	kt_emit $st MemAvailable "$(kt_gib "$avail")" "$(kt_gib "$KT_KNEED")" "" \
		"kernel memory for N pairs: $KT_PAIR_SLAB B slab per idle pair (measured) + 1 page per connection with a message queued = $(kt_gib $((KT_N * KT_PAIR_SLAB))) + $(kt_gib $((KT_N * KT_PAGE))); ukit's own memory comes on top (README); short: OOM"
	cg=$(kt_cgroup_limit)
	st=ok
	if [ -n "$cg" ] && [ "$cg" -lt "$KT_KNEED" ]; then st=SHORT; fi
	kt_emit $st "cgroup memory limit" "$([ -n "$cg" ] && kt_gib "$cg" || echo none)" "$(kt_gib "$KT_KNEED")" "" \
		"socket slab is charged to the memory cgroup of the process that made the socket (this shell's cgroup shown); short: the cgroup's OOM killer ends the run"
}

kt_k_overcommit() {
	local st=ok set=""
	if [ "$1" = 2 ]; then st=SHORT; set=0; fi
	kt_emit $st vm.overcommit_memory "$1" "0 or 1" "$set" \
		"ukit reserves big lazily touched MAP_NORESERVE mappings, ~$((KT_RING_VM_KIB / 1024)) MiB per ring (measured VmSize), $(kt_gib $((KT_RINGS * KT_RING_VM_KIB * 1024))) for $KT_RINGS rings; mode 2 ignores MAP_NORESERVE and counts it against CommitLimit ($(kt_gib "$(kt_meminfo CommitLimit)")): ukit fails to start (ENOMEM)"
}

kt_k_max_map_count() {
	local need=$((KT_RING_MAPS * KT_RINGS + KT_BASE_MAPS)) st=ok
	[ "$1" -lt "$need" ] && st=SHORT
	kt_emit $st vm.max_map_count "$1" "$need" "$(kt_up "$need")" \
		"mappings per process: ukit-server has ~$KT_RING_MAPS per ring + a few dozen (measured 270 at 32 rings); short: ring setup fails ENOMEM"
}

kt_k_io_uring() {
	local st=ok set=""
	if [ "$1" != 0 ]; then st=SHORT; set=0; fi
	kt_emit $st kernel.io_uring_disabled "$1" "0" "$set" \
		"1: only CAP_SYS_ADMIN or kernel.io_uring_group ($(kt_get kernel.io_uring_group)) may make rings, 2: nobody; short: ukit-server (io_uring) gets EPERM, only the epoll build runs"
}

kt_k_conntrack() {
	local count rules need st=ok set="" why
	count=$(kt_get net.netfilter.nf_conntrack_count)
	rules=$(kt_conntrack_rules) || rules=""
	need=$((KT_N + count))
	if [ "$count" -gt 0 ] || [ -n "$rules" ]; then
		why="tracking is on (${rules:-$count entries}): one entry per loopback connection (measured), $(kt_get net.netfilter.nf_conntrack_buckets) buckets"
		if [ "$1" -lt "$need" ]; then
			st=SHORT
			set=$(kt_up "$need")
			why="$why; short: new connections' SYNs are dropped (nf_conntrack: table full)"
		fi
	else
		why="not tracking: no rules and nf_conntrack_count is 0, so loopback connections take no entries; would need N + count if a rule turns it on"
	fi
	kt_emit $st net.netfilter.nf_conntrack_max "$1 (count $count)" "$need if tracking" "$set" "$why"
}

kt_k_tw_reuse() {
	local st=ok set=""
	if [ "$1" = 0 ]; then st=SHORT; set=2; fi
	kt_emit $st net.ipv4.tcp_tw_reuse "$1" "1 or 2" "$set" \
		"lets connect() reuse a port in TIME_WAIT (2: loopback only, enough here); short: after closes, ports wait 60 s and reconnects fail EADDRNOTAVAIL"
}

kt_k_fin_timeout() {
	kt_emit info net.ipv4.tcp_fin_timeout "$1" "any" "" \
		"how long an orphaned FIN_WAIT_2 socket lives (TIME_WAIT is a fixed 60 s); does not limit N; lower (e.g. 15) only if peers vanish without closing"
}

kt_k_tw_buckets() {
	local st=ok
	[ "$1" -lt "$KT_N" ] && st=info
	kt_emit $st net.ipv4.tcp_max_tw_buckets "$1" "$KT_N to keep all" "" \
		"TIME_WAIT sockets kept (256 B each); closing N connections at once leaves N on the closing side; beyond it TIME_WAIT is skipped with a log line, harmless on loopback"
}

kt_k_orphans() {
	local st=ok
	[ "$1" -lt "$KT_N" ] && st=info
	kt_emit $st net.ipv4.tcp_max_orphans "$1" "$KT_N to keep all" "" \
		"sockets closed by their process but still closing (FIN_WAIT, LAST_ACK); a mass close of N beyond it resets them (too many orphaned sockets); on loopback they last microseconds"
}

kt_k_ehash() {
	local b=${1#-} st=ok
	[ "$KT_S" -gt "$b" ] && st=info
	kt_emit $st net.ipv4.tcp_ehash_entries "$b" "$KT_S for 1 per bucket" "" \
		"established-socket hash, sized at boot: 2N sockets make chains of $(awk -v a="$KT_S" -v b="$b" 'BEGIN { printf "%.1f", a / b }') per bucket, walked per packet; only thash_entries= on the kernel command line changes it"
}

kt_eval() {
	KT_N=$1
	KT_S=$((2 * $1))
	KT_CPUS=$(nproc)
	KT_RINGS=$(kt_rings "$KT_N")
	KT_PER_RING=$(kt_per_ring)
	KT_KNEED=$((KT_N * (KT_PAIR_SLAB + KT_PAGE)))

	kt_knob fs.file-max kt_k_file_max
	kt_knob fs.nr_open kt_k_nr_open
	kt_k_nofile
	kt_knob net.ipv4.ip_local_port_range kt_k_port_range
	kt_knob net.ipv4.ip_local_reserved_ports kt_k_reserved
	kt_knob net.core.somaxconn kt_k_somaxconn
	kt_knob net.ipv4.tcp_max_syn_backlog kt_k_syn_backlog
	kt_knob net.ipv4.tcp_syncookies kt_k_syncookies
	kt_knob net.core.netdev_max_backlog kt_k_netdev_backlog
	kt_knob net.ipv4.tcp_mem kt_k_tcp_mem
	kt_knob net.ipv4.tcp_rmem kt_k_rmem
	kt_knob net.ipv4.tcp_wmem kt_k_wmem
	kt_k_memory
	kt_knob vm.overcommit_memory kt_k_overcommit
	kt_knob vm.max_map_count kt_k_max_map_count
	kt_knob kernel.io_uring_disabled kt_k_io_uring \
		"kernel older than 6.6: io_uring cannot be switched off by sysctl"
	kt_knob net.netfilter.nf_conntrack_max kt_k_conntrack \
		"no conntrack in this kernel (or this namespace): nothing tracks connections"
	kt_knob net.ipv4.tcp_tw_reuse kt_k_tw_reuse
	kt_knob net.ipv4.tcp_fin_timeout kt_k_fin_timeout
	kt_knob net.ipv4.tcp_max_tw_buckets kt_k_tw_buckets
	kt_knob net.ipv4.tcp_max_orphans kt_k_orphans
	kt_knob net.ipv4.tcp_ehash_entries kt_k_ehash
}
