#include "drm-compositor/menu.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

#include "input/bindings.h"
#include "lib/util.h"

const enum menu_op menu_dom0_ops[MENU_DOM0_ROWS] = { MENU_OP_LOCK, MENU_OP_REBOOT,
						     MENU_OP_POWEROFF };
const char *const menu_dom0_text[MENU_DOM0_ROWS] = { "Lock the screen", "Reboot dom0",
						     "Power off dom0" };

const char *menu_op_name(enum menu_op op)
{
	static const char *const names[] = {
		[MENU_OP_NONE] = "nothing", [MENU_OP_START] = "start", [MENU_OP_STOP] = "shut down",
		[MENU_OP_KILL] = "kill", [MENU_OP_LOCK] = "lock", [MENU_OP_REBOOT] = "reboot",
		[MENU_OP_POWEROFF] = "power off",
	};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/* Row ROW chosen: its domain's name kept, or which of dom0's it is. */
static void choose(struct menu *m, const struct menu_domain *doms, size_t n, size_t row)
{
	m->row = row;
	m->dom0 = row >= n ? row - n : 0;
	if (row >= n || !str_copy(m->name, doms[row].name, sizeof(m->name)))
		m->name[0] = '\0';
}

void menu_open(struct menu *m, bool open, const struct menu_domain *doms, size_t n)
{
	*m = (struct menu){ .open = open };
	choose(m, doms, n, 0);
}

bool menu_follow(struct menu *m, const struct menu_domain *doms, size_t n)
{
	size_t row = n + m->dom0;
	if (!m->open)
		return false;
	if (m->name[0]) {
		for (row = 0; row < n && strcmp(doms[row].name, m->name) != 0; row++)
			;
		if (row == n) {		/* gone: so is any question about it */
			row = 0;
			m->confirm = MENU_OP_NONE;
		}
	}
	bool moved = row != m->row;
	choose(m, doms, n, row);
	return moved;
}

/* The op the user asked for (in *ACT), or asked again first. */
static void request(struct menu *m, enum menu_op op, struct menu_action *act)
{
	if (op == MENU_OP_KILL || op == MENU_OP_REBOOT || op == MENU_OP_POWEROFF) {
		m->confirm = op;
		return;
	}
	act->op = op;
	str_copy(act->name, m->name, sizeof(act->name));
	if (op == MENU_OP_LOCK)
		menu_open(m, false, NULL, 0);
}

/* The question's answer: Y does it, any other key (not a modifier) not. */
static bool answer(struct menu *m, uint32_t code, unsigned mods, struct menu_action *act)
{
	if (binding_mod_of_key(code))
		return false;
	if (code == KEY_Y && !mods) {
		act->op = m->confirm;
		str_copy(act->name, m->name, sizeof(act->name));
		if (m->confirm != MENU_OP_KILL)
			menu_open(m, false, NULL, 0);
	}
	m->confirm = MENU_OP_NONE;
	return true;
}

bool menu_key(struct menu *m, const struct menu_domain *doms, size_t n, uint32_t code,
	      uint32_t value, unsigned mods, struct menu_action *act)
{
	size_t rows = n + MENU_DOM0_ROWS;
	bool domain = m->row < n;

	act->op = MENU_OP_NONE;
	act->name[0] = '\0';
	if (!m->open || value == 0)
		return false;
	bool up = code == KEY_UP || (code == KEY_TAB && (mods & MOD_SHIFT));
	bool down = code == KEY_DOWN || (code == KEY_TAB && !(mods & MOD_SHIFT));
	if (m->confirm == MENU_OP_NONE && (up || down)) {
		choose(m, doms, n, (m->row + (up ? rows - 1 : 1)) % rows);
		return true;
	}
	if (value != 1)		/* a held key repeats only the moves */
		return false;
	if (m->confirm != MENU_OP_NONE)
		return answer(m, code, mods, act);
	if (code == KEY_ESC) {
		menu_open(m, false, NULL, 0);
		return true;
	}
	if (mods)
		return false;
	if (domain && code == KEY_S)
		request(m, MENU_OP_START, act);
	else if (domain && code == KEY_T)
		request(m, MENU_OP_STOP, act);
	else if (domain && code == KEY_K)
		request(m, MENU_OP_KILL, act);
	else if (code == KEY_ENTER || code == KEY_KPENTER)
		request(m, domain ? (doms[m->row].down ? MENU_OP_START : MENU_OP_STOP) :
				    menu_dom0_ops[m->row - n], act);
	else
		return false;
	return true;
}

bool menu_describe(const struct menu *m, char *text, size_t cap)
{
	switch (m->confirm) {
	case MENU_OP_KILL:
		snprintf(text, cap, "Kill %s? What it has not saved is lost.  Y: kill, "
			 "other keys: no", m->name);
		return true;
	case MENU_OP_REBOOT:
	case MENU_OP_POWEROFF:
		snprintf(text, cap, "%s dom0? Every domain is shut down first.  Y: %s, "
			 "other keys: no", m->confirm == MENU_OP_REBOOT ? "Reboot" : "Power off",
			 m->confirm == MENU_OP_REBOOT ? "reboot" : "power off");
		return true;
	default:
		break;
	}
	if (m->name[0])
		snprintf(text, cap, "Up/Down  S start  T shut down  K kill  Return start/shut "
			 "down  Esc close");
	else
		snprintf(text, cap, "Up/Down  Return: do it  Esc close");
	return false;
}
