STATE_DIR=@STATE_DIR@
ADDR_FILE=@ADDR_FILE@
FW_FILE=@FW_FILE@
UNIT_NAME=@UNIT_NAME@
UNIT_FILE=@UNIT_PATH@

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

# split TOKEN: sets a (address), p (tcp|udp|all), port, v (4|6), c (the rule comment).
split() {
  a=${1%%/*}; rest=${1#*/}; p=${rest%%/*}; port=${rest#*/}
  case $p in tcp|udp|all) ;; *) return 1;; esac
  case $port in ''|*[!0-9]*) return 1;; esac
  case $a in *:*) v=6;; *) v=4;; esac
  c="provisioner/$1"
}
nft_match() {
  if [ "$v" = 6 ]; then m="ip6 daddr $a"; else m="ip daddr $a"; fi
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
  [ "$p" = all ] || r="$r -p $p --dport $port"
}
rich_rule() {
  r="rule family=\"ipv$v\" destination address=\"$a\""
  [ "$p" = all ] || r="$r port port=\"$port\" protocol=\"$p\""
  r="$r accept"
}
ufw_args() { if [ "$p" = all ]; then r="to $a"; else r="proto $p to $a port $port"; fi; }

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

# --- actions -----------------------------------------------------------------------------
do_apply() {
  ip link set lo up || die "cannot bring lo up"
  for x in $(recorded_addrs); do in_list "$x" "$ADDRS" || del_addr "$x"; done
  for x in $ADDRS; do add_addr "$x"; done
  if [ -n "$ADDRS" ]; then write_file "$ADDR_FILE" "$(words_to_lines "$ADDRS")" || true
  else rm -f "$ADDR_FILE"; fi
  if [ "$PERSIST" = yes ] && [ -n "$ADDRS" ]; then persist_on; else persist_off; fi

  backend=none
  [ "$FIREWALL" = off ] || backend=$(fw_detect)
  recorded_fw | while read -r b t; do
    if [ "$b" != "$backend" ] || ! in_list "$t" "$OPEN"; then fw_close "$b" "$t"; fi
  done || exit 1
  if [ "$FIREWALL" = off ]; then
    say "firewall: left alone (firewall: off)"; rm -f "$FW_FILE"
  elif [ "$backend" = none ]; then
    say "firewall: no active ufw, firewalld, nftables or iptables found; nothing to open"
    rm -f "$FW_FILE"
  else
    for t in $OPEN; do fw_open "$backend" "$t"; done
    if [ -n "$OPEN" ]; then
      write_file "$FW_FILE" "$(for t in $OPEN; do echo "$backend $t"; done)" || true
    else rm -f "$FW_FILE"; fi
  fi
  say "apply done for $VM"
}

do_remove() {
  backend=$(fw_detect)
  { recorded_fw; if [ "$backend" != none ]; then for t in $OPEN; do echo "$backend $t"; done; fi; } \
    | sort -u | while read -r b t; do fw_close "$b" "$t"; done || exit 1
  rm -f "$FW_FILE"
  persist_off
  for x in $(recorded_addrs) $ADDRS; do del_addr "$x"; done
  rm -f "$ADDR_FILE"
  rmdir "$STATE_DIR" 2>/dev/null || true
  say "remove done for $VM"
}

json_list() { awk 'BEGIN { printf "[" } NR > 1 { printf "," } { printf "%s", $0 } END { print "]" }'; }
entry_json() { printf '{"address":"%s","protocol":"%s","port":%s}\n' "$1" "$2" "$3"; }

listening() {
  fronts=" $(for x in $ADDRS; do printf '%s ' "${x%/*}"; done)"
  ports=" $(for t in $OPEN; do split "$t" && printf '%s ' "$port"; done)"
  for proto in tcp udp; do
    if [ "$proto" = tcp ]; then flags=-ltn; else flags=-lun; fi
    have ss || continue
    ss $flags 2>/dev/null | awk 'NR > 1 { print $4 }' | while read -r la; do
      lp=${la##*:}; la=${la%:*}; la=${la#[}; la=${la%]}; la=${la%%%*}
      case $lp in ''|*[!0-9]*) continue;; esac
      case $la in '*'|0.0.0.0) la=0.0.0.0; wild=yes;; ::) wild=yes;; *) wild=no;; esac
      valid_token "$la" || continue
      if in_list "$la" "$fronts" || { [ $wild = yes ] && in_list "$lp" "$ports"; }; then
        entry_json "$la" "$proto" "$lp"
      fi
    done
  done | sort -u
}

do_check() {
  addrs=$(lo_addrs | while read -r x; do valid_token "$x" && printf '"%s"\n' "${x%/*}"; done | json_list)
  backend=none
  [ "$FIREWALL" = off ] || backend=$(fw_detect)
  open=$(for t in $OPEN; do
    if fw_is_open "$backend" "$t"; then split "$t" && entry_json "$a" "$p" "$port"; fi
  done | json_list)
  printf 'PROVISIONER-CHECK {"version":@VERSION@,"addresses":%s,"firewall":{"backend":"%s","open":%s},"listening":%s}\n' \
    "$addrs" "$backend" "$open" "$(listening | json_list)"
}

[ "$(id -u)" = 0 ] || die "must run as root"
have ip || die "ip (iproute2) not found"
