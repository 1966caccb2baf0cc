#!/bin/sh
# provisioner-guest-manifest: {"action":"apply","addresses":["198.51.100.1","198.51.100.2","203.0.113.9","2001:db8::10"],"firewall":"auto","forwarding":false,"open":[{"address":"198.51.100.1","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":53,"protocol":"udp"},{"address":"203.0.113.9","port":0,"protocol":"all"},{"address":"2001:db8::10","port":443,"protocol":"tcp"}],"probes":[],"version":2}
# provisioner: Floating IP guest setup (apply) for VM vm1. Generated; safe to run again.
set -u -f
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
VM='vm1'
ADDRS='198.51.100.1/32 198.51.100.2/32 203.0.113.9/32 2001:db8::10/128'
LISTENERS='198.51.100.1/tcp/80 198.51.100.2/tcp/80 198.51.100.2/udp/53 203.0.113.9/all/0 2001:db8::10/tcp/443'
OPEN='198.51.100.1/tcp/80 198.51.100.2/tcp/80 198.51.100.2/udp/53 203.0.113.9/all/0 2001:db8::10/tcp/443'
PROBES=''
FIREWALL='auto'
PERSIST='yes'
FORWARD='no'
STATE_DIR=/etc/provisioner
ADDR_FILE=/etc/provisioner/loopback-addresses
FW_FILE=/etc/provisioner/firewall-opened
UNIT_NAME=provisioner-loopback.service
UNIT_FILE=/etc/systemd/system/provisioner-loopback.service
SYSCTL_FILE=/etc/sysctl.d/60-provisioner-forwarding.conf
FWD_FILE=/etc/provisioner/ip-forward-before
BUDGET=6
IP_FORWARD=/proc/sys/net/ipv4/ip_forward

say() { printf 'provisioner: %s\n' "$*"; }
die() { printf 'provisioner: error: %s\n' "$*" >&2; exit 1; }
finish() {
  rc=$?
  trap - EXIT
  if [ "$rc" -eq 0 ]; then st=ok; else st=failed; fi
  printf 'PROVISIONER-RESULT {"status":"%s","exit":%d}\n' "$st" "$rc"
  exit "$rc"
}
trap finish EXIT

# A word from a state file or a tool's output is used only if it looks like ours.
valid_token() { case $1 in ''|*[!0-9A-Za-z.:/]*) return 1;; esac; return 0; }
in_list() { case " $2 " in *" $1 "*) return 0;; esac; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }

lo_addrs() { ip -o addr show dev lo | awk '!/ scope host/ {print $4}'; }
has_addr() { lo_addrs | grep -qxF "$1"; }
add_addr() {
  if has_addr "$1"; then say "loopback: $1 already on lo"; return 0; fi
  ip addr add "$1" dev lo || die "cannot add $1 to lo"
  say "loopback: added $1"
}
del_addr() {
  has_addr "$1" || return 0
  ip addr del "$1" dev lo || die "cannot remove $1 from lo"
  say "loopback: removed $1"
}

# write_file PATH CONTENT: rewrite only when the content differs (returns 1 when unchanged).
write_file() {
  if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then return 1; fi
  mkdir -p "${1%/*}" || die "cannot create ${1%/*}"
  { printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; } || die "cannot write $1"
  return 0
}
words_to_lines() { for w in $1; do printf '%s\n' "$w"; done; }
systemd_running() { [ -d /run/systemd/system ]; }

unit_text() {
  cat <<'UNIT'
[Unit]
Description=provisioner: Floating IP frontend addresses on lo
After=network-pre.target
Before=network.target
ConditionPathExists=/etc/provisioner/loopback-addresses

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'while read -r a; do [ -n "$$a" ] && ip addr replace "$$a" dev lo; done </etc/provisioner/loopback-addresses'

[Install]
WantedBy=multi-user.target
UNIT
}

persist_on() {
  changed=no
  write_file "$UNIT_FILE" "$(unit_text)" && changed=yes
  if ! systemd_running; then
    if [ "$changed" = yes ]; then say "persist: wrote $UNIT_FILE (systemd not running: not enabled)"
    else say "persist: $UNIT_FILE unchanged (systemd not running)"; fi
    return 0
  fi
  if [ "$changed" = yes ]; then systemctl daemon-reload || die "systemctl daemon-reload failed"; fi
  if systemctl is-enabled --quiet "$UNIT_NAME" 2>/dev/null; then
    say "persist: $UNIT_NAME already enabled"
  else
    systemctl enable --quiet "$UNIT_NAME" || die "cannot enable $UNIT_NAME"
    say "persist: enabled $UNIT_NAME"
  fi
}
persist_off() {
  [ -f "$UNIT_FILE" ] || return 0
  if systemd_running; then systemctl disable --quiet "$UNIT_NAME" 2>/dev/null || true; fi
  rm -f "$UNIT_FILE" || die "cannot remove $UNIT_FILE"
  if systemd_running; then systemctl daemon-reload || true; fi
  say "persist: removed $UNIT_NAME"
}

# --- host firewall -----------------------------------------------------------------------
nft_input_chains() {
  nft list chains 2>/dev/null | awk '
    $1 == "table" { fam = $2; tbl = $3 }
    $1 == "chain" { ch = $2 }
    /type filter hook input/ {
      if (!((fam == "ip" || fam == "ip6") && tbl == "filter" && ch == "INPUT")) print fam, tbl, ch
    }'
}
ipt_active() {
  for t in iptables ip6tables; do
    have "$t" || continue
    "$t" -S INPUT 2>/dev/null | grep -qv '^-P INPUT ACCEPT$' && return 0
  done
  return 1
}
fw_detect() {
  if have ufw && ufw status 2>/dev/null | grep -q '^Status: active'; then echo ufw; return; fi
  if have firewall-cmd && [ "$(firewall-cmd --state 2>/dev/null)" = running ]; then
    echo firewalld; return
  fi
  if have nft && [ -n "$(nft_input_chains)" ]; then echo nftables; return; fi
  if ipt_active; then echo iptables; return; fi
  echo none
}

# split TOKEN: sets a (address), p (tcp|udp|all), port, s (source address, or empty), v (4|6)
# and c (the rule comment). A token is ADDRESS/PROTOCOL/PORT, or ADDRESS/tcp/PORT/SOURCE for a
# health probe port limited to the probe source.
split() {
  a=${1%%/*}; rest=${1#*/}; p=${rest%%/*}; port=${rest#*/}; s=${port#*/}; port=${port%%/*}
  [ "$s" != "$port" ] || s=''
  case $p in tcp|udp|all) ;; *) return 1;; esac
  case $port in ''|*[!0-9]*) return 1;; esac
  case $s in *[!0-9.]*) return 1;; esac
  case $a in *:*) v=6;; *) v=4;; esac
  c="provisioner/$1"
}
nft_match() {
  if [ "$v" = 6 ]; then m="ip6 daddr $a"; else m="ip daddr $a"; fi
  [ -z "$s" ] || m="ip saddr $s $m"
  [ "$p" = all ] || m="$m $p dport $port"
}
nft_chains_for() {
  nft_input_chains | while read -r fam tbl ch; do
    case "$fam$v" in inet4|inet6|ip4|ip66) echo "$fam $tbl $ch";; esac
  done
}
ipt_cmd() { if [ "$v" = 6 ]; then echo ip6tables; else echo iptables; fi; }
ipt_args() {
  r="-d $a"
  [ -z "$s" ] || r="-s $s $r"
  [ "$p" = all ] || r="$r -p $p --dport $port"
}
rich_rule() {
  r="rule family=\"ipv$v\""
  [ -z "$s" ] || r="$r source address=\"$s\""
  r="$r destination address=\"$a\""
  [ "$p" = all ] || r="$r port port=\"$port\" protocol=\"$p\""
  r="$r accept"
}
ufw_args() {
  r="to $a"
  [ -z "$s" ] || r="from $s $r"
  [ "$p" = all ] || r="proto $p $r port $port"
}

fw_is_open() { # BACKEND TOKEN
  split "$2" || return 1
  case $1 in
    ufw) ufw status 2>/dev/null | grep -qF "# $c" ;;
    firewalld) rich_rule; firewall-cmd --query-rich-rule="$r" >/dev/null 2>&1 ;;
    nftables)
      found=$(nft_chains_for | while read -r fam tbl ch; do
        nft list chain "$fam" "$tbl" "$ch" 2>/dev/null | grep -qF "comment \"$c\"" && echo y
      done)
      [ -n "$found" ] ;;
    iptables) ipt_args; $(ipt_cmd) -C INPUT $r -m comment --comment "$c" -j ACCEPT 2>/dev/null ;;
    *) return 1 ;;
  esac
}
fw_open() { # BACKEND TOKEN
  split "$2" || die "bad firewall entry $2"
  if fw_is_open "$1" "$2"; then say "firewall ($1): $a $p/$port already open"; return 0; fi
  case $1 in
    ufw) ufw_args; ufw allow $r comment "$c" >/dev/null || die "ufw allow failed for $2" ;;
    firewalld)
      rich_rule
      firewall-cmd --add-rich-rule="$r" >/dev/null || die "firewall-cmd failed for $2"
      if [ "$PERSIST" = yes ]; then
        firewall-cmd --permanent --add-rich-rule="$r" >/dev/null || die "firewall-cmd --permanent failed"
      fi ;;
    nftables)
      nft_match
      for ch in $(nft_chains_for | tr ' ' ','); do
        fam=${ch%%,*}; rest=${ch#*,}; tbl=${rest%%,*}; chain=${rest#*,}
        nft insert rule "$fam" "$tbl" "$chain" $m accept comment "\"$c\"" || die "nft failed for $2"
      done ;;
    iptables) ipt_args; $(ipt_cmd) -I INPUT 1 $r -m comment --comment "$c" -j ACCEPT || die "iptables failed for $2" ;;
  esac
  say "firewall ($1): opened $a $p/$port"
}
fw_close() { # BACKEND TOKEN
  split "$2" || return 0
  case $1 in
    ufw) have ufw || return 0; ufw_args; ufw delete allow $r >/dev/null 2>&1 || true ;;
    firewalld)
      have firewall-cmd || return 0
      rich_rule
      firewall-cmd --remove-rich-rule="$r" >/dev/null 2>&1 || true
      firewall-cmd --permanent --remove-rich-rule="$r" >/dev/null 2>&1 || true ;;
    nftables)
      have nft || return 0
      for ch in $(nft_chains_for | tr ' ' ','); do
        fam=${ch%%,*}; rest=${ch#*,}; tbl=${rest%%,*}; chain=${rest#*,}
        for h in $(nft -a list chain "$fam" "$tbl" "$chain" 2>/dev/null \
                   | awk -v want="comment \"$c\"" 'index($0, want) { print $NF }'); do
          case $h in ''|*[!0-9]*) continue;; esac
          nft delete rule "$fam" "$tbl" "$chain" handle "$h" || die "nft delete failed for $2"
        done
      done ;;
    iptables)
      cmd=$(ipt_cmd); have "$cmd" || return 0; ipt_args; n=0
      while [ $n -lt 16 ] && $cmd -C INPUT $r -m comment --comment "$c" -j ACCEPT 2>/dev/null; do
        $cmd -D INPUT $r -m comment --comment "$c" -j ACCEPT || break; n=$((n + 1))
      done ;;
  esac
  say "firewall ($1): closed $a $p/$port"
}
# Entries recorded by an earlier apply: "BACKEND TOKEN" per line.
recorded_fw() {
  [ -f "$FW_FILE" ] || return 0
  while read -r b t; do
    case $b in ufw|firewalld|nftables|iptables) ;; *) continue;; esac
    valid_token "$t" && echo "$b $t"
  done <"$FW_FILE"
}
recorded_addrs() {
  [ -f "$ADDR_FILE" ] || return 0
  while read -r x; do valid_token "$x" && echo "$x"; done <"$ADDR_FILE"
}

# --- IPv4 forwarding (network virtual appliances) -----------------------------------------
# The drop-in file persists it; the runtime value is changed only when it is off, and what it
# was is recorded so that turning forwarding off again restores only what this script changed.
forward_now() { cat "$IP_FORWARD" 2>/dev/null || echo 0; }
forwarding_on() {
  if [ "$PERSIST" = yes ]; then
    if write_file "$SYSCTL_FILE" "net.ipv4.ip_forward = 1"; then say "forwarding: wrote $SYSCTL_FILE"; fi
  elif [ -f "$SYSCTL_FILE" ]; then rm -f "$SYSCTL_FILE"; say "forwarding: removed $SYSCTL_FILE"; fi
  if [ "$(forward_now)" = 1 ]; then say "forwarding: IPv4 forwarding is on"; return 0; fi
  [ -f "$FWD_FILE" ] || write_file "$FWD_FILE" "$(forward_now)" || true
  printf '1\n' >"$IP_FORWARD" || die "cannot turn IPv4 forwarding on"
  say "forwarding: turned IPv4 forwarding on"
}
forwarding_off() {
  if [ -f "$SYSCTL_FILE" ]; then rm -f "$SYSCTL_FILE" || die "cannot remove $SYSCTL_FILE"; say "forwarding: removed $SYSCTL_FILE"; fi
  [ -f "$FWD_FILE" ] || return 0
  before=$(cat "$FWD_FILE"); rm -f "$FWD_FILE"
  if [ "$before" = 0 ]; then
    printf '0\n' >"$IP_FORWARD" || die "cannot turn IPv4 forwarding off"
    say "forwarding: turned IPv4 forwarding off again"
  fi
}

# --- actions -----------------------------------------------------------------------------
count() { set -- $1; echo $#; }

do_apply() {
  ip link set lo up || die "cannot bring lo up"
  for x in $(recorded_addrs); do in_list "$x" "$ADDRS" || del_addr "$x"; done
  for x in $ADDRS; do add_addr "$x"; done
  if [ -n "$ADDRS" ]; then write_file "$ADDR_FILE" "$(words_to_lines "$ADDRS")" || true
  else rm -f "$ADDR_FILE"; fi
  if [ "$PERSIST" = yes ] && [ -n "$ADDRS" ]; then persist_on; else persist_off; fi
  if [ "$FORWARD" = yes ]; then forwarding_on; else forwarding_off; fi

  backend=none
  [ "$FIREWALL" = off ] || backend=$(fw_detect)
  wanted="$OPEN $PROBES"
  recorded_fw | while read -r b t; do
    if [ "$b" != "$backend" ] || ! in_list "$t" "$wanted"; then fw_close "$b" "$t"; fi
  done || exit 1
  if [ "$FIREWALL" = off ]; then
    say "firewall: left alone (firewall: off)"; rm -f "$FW_FILE"
  elif [ "$backend" = none ]; then
    say "firewall: no active ufw, firewalld, nftables or iptables found; nothing to open"
    rm -f "$FW_FILE"
  else
    for t in $wanted; do fw_open "$backend" "$t"; done
    if [ -n "$(echo $wanted)" ]; then
      write_file "$FW_FILE" "$(for t in $wanted; do echo "$backend $t"; done)" || true
    else rm -f "$FW_FILE"; fi
  fi
  if [ -z "$ADDRS" ] && [ "$FORWARD" != yes ] && [ -z "$(echo $PROBES)" ]; then
    rmdir "$STATE_DIR" 2>/dev/null || true
  fi
  say "apply done for $VM: $(count "$ADDRS") frontend address(es), $(count "$OPEN") Floating IP" \
    "entr(y/ies) and $(count "$PROBES") probe port(s) on firewall $backend, forwarding $FORWARD"
}

do_remove() {
  backend=$(fw_detect)
  { recorded_fw
    if [ "$backend" != none ]; then for t in $OPEN $PROBES; do echo "$backend $t"; done; fi
  } | sort -u | while read -r b t; do fw_close "$b" "$t"; done || exit 1
  rm -f "$FW_FILE"
  persist_off
  forwarding_off
  for x in $(recorded_addrs) $ADDRS; do del_addr "$x"; done
  rm -f "$ADDR_FILE"
  rmdir "$STATE_DIR" 2>/dev/null || true
  say "remove done for $VM"
}

# --- the check report ---------------------------------------------------------------------
# One line, whatever the number of entries: per section the count wanted and held, a digest of
# what is held and at most $BUDGET of what is not (see docs/guest-os.md, "Check report").
digest() {
  have sha256sum || { echo -; return; }
  for t in "$@"; do printf '%s\n' "$t"; done | LC_ALL=C sort | sha256sum | cut -c1-16
}
# section CHECK TOKEN...: the JSON of one section; CHECK TOKEN succeeds when TOKEN holds.
section() {
  chk=$1; shift
  n_want=0; n_have=0; n_listed=0; held=''; miss=''
  for t in "$@"; do
    n_want=$((n_want + 1))
    if $chk "$t"; then n_have=$((n_have + 1)); held="$held $t"
    elif [ "$n_listed" -lt "$BUDGET" ]; then
      miss="$miss${miss:+,}\"$t\""; n_listed=$((n_listed + 1))
    fi
  done
  printf '{"want":%d,"have":%d,"digest":"%s","missing":[%s]}' \
    "$n_want" "$n_have" "$(digest $held)" "$miss"
}
holds_addr() { case $1 in *:*) has_addr "$1/128";; *) has_addr "$1/32";; esac; }
is_open() { [ "$backend" != none ] && fw_is_open "$backend" "$1"; }
# Listening sockets as "PROTOCOL ADDRESS PORT" lines (wildcards as 0.0.0.0 and ::).
sockets() {
  have ss || return 0
  { ss -ltn 2>/dev/null | awk 'NR > 1 { print "tcp", $4 }'
    ss -lun 2>/dev/null | awk 'NR > 1 { print "udp", $4 }'; } | while read -r proto la; do
    lp=${la##*:}; la=${la%:*}; la=${la#[}; la=${la%]}; la=${la%%%*}
    case $la in '*') la=0.0.0.0;; esac
    echo "$proto $la $lp"
  done
}
listens() { # TOKEN: something listens on its address and port, or on a wildcard and its port
  split "$1" || return 1
  printf '%s\n' "$SOCKS" | grep -qxF -e "$p $a $port" -e "$p 0.0.0.0 $port" -e "$p :: $port"
}
extras() { # addresses on lo that the blueprint does not name: count, then up to $BUDGET
  n=0; list=''
  for x in $(lo_addrs); do
    valid_token "$x" && ! in_list "$x" "$ADDRS" || continue
    n=$((n + 1))
    [ "$n" -gt "$BUDGET" ] || list="$list${list:+,}\"${x%/*}\""
  done
  printf '{"count":%d,"listed":[%s]}' "$n" "$list"
}

do_check() {
  backend=none
  [ "$FIREWALL" = off ] || backend=$(fw_detect)
  SOCKS=$(sockets)
  bare=$(for x in $ADDRS; do printf '%s ' "${x%/*}"; done)
  tcp_udp=$(for t in $LISTENERS; do case $t in */all/*) ;; *) printf '%s ' "$t";; esac; done)
  fw_want=''; [ "$FIREWALL" = off ] || fw_want=$PROBES
  printf 'PROVISIONER-CHECK {"version":2,"backend":"%s","addresses":%s,"extra":%s,' \
    "$backend" "$(section holds_addr $bare)" "$(extras)"
  printf '"open":%s,"listening":%s,"probe_open":%s,"probe_listening":%s,' \
    "$(section is_open $OPEN)" "$(section listens $tcp_udp)" \
    "$(section is_open $fw_want)" "$(section listens $PROBES)"
  printf '"forwarding":{"want":%s,"on":%s,"persisted":%s}}\n' \
    "$([ "$FORWARD" = yes ] && echo true || echo false)" \
    "$([ "$(forward_now)" = 1 ] && echo true || echo false)" \
    "$([ -f "$SYSCTL_FILE" ] && echo true || echo false)"
}

[ "$(id -u)" = 0 ] || die "must run as root"
have ip || die "ip (iproute2) not found"
do_apply
