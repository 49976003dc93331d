//! Working days: deadlines that skip weekends and bank holidays.
//!
//! The default calendar is England and Wales's regular bank holidays,
//! computed for any year (with substitute days when a holiday falls at a
//! weekend). One-off holidays (a coronation, a jubilee) and moved days are
//! added by the organisation, which can edit its calendar.

use std::collections::BTreeSet;

use time::{Date, Duration, Month, Weekday};

/// Easter Sunday (Gregorian calendar, anonymous algorithm).
pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = ((h + l - 7 * m + 114) % 31) + 1;
    let month = if month == 3 {
        Month::March
    } else {
        Month::April
    };
    Date::from_calendar_date(year, month, day as u8).unwrap_or(Date::MIN)
}

fn first_monday(year: i32, month: Month) -> Date {
    let mut d = Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN);
    while d.weekday() != Weekday::Monday {
        d = d.next_day().unwrap_or(d);
    }
    d
}

fn last_monday(year: i32, month: Month) -> Date {
    let mut d = Date::from_calendar_date(year, month, time::util::days_in_month(month, year))
        .unwrap_or(Date::MIN);
    while d.weekday() != Weekday::Monday {
        d = d.previous_day().unwrap_or(d);
    }
    d
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The regular England and Wales bank holidays of `year`, with substitute days.
pub fn england_wales_bank_holidays(year: i32) -> Vec<Date> {
    let date = |m: Month, d: u8| Date::from_calendar_date(year, m, d).unwrap_or(Date::MIN);
    let easter = easter_sunday(year);
    let mut out = Vec::new();
    // New Year's Day, moved to Monday when at a weekend.
    let mut ny = date(Month::January, 1);
    while is_weekend(ny) {
        ny = ny.next_day().unwrap_or(ny);
    }
    out.push(ny);
    out.push(easter - Duration::days(2));
    out.push(easter + Duration::days(1));
    out.push(first_monday(year, Month::May));
    out.push(last_monday(year, Month::May));
    out.push(last_monday(year, Month::August));
    // Christmas and Boxing Day: at a weekend, the next free weekdays.
    let mut taken: Vec<Date> = Vec::new();
    for d in [date(Month::December, 25), date(Month::December, 26)] {
        let mut day = d;
        while is_weekend(day) || taken.contains(&day) {
            day = day.next_day().unwrap_or(day);
        }
        taken.push(day);
    }
    out.extend(taken);
    out
}

/// A working-day calendar: weekdays that are not holidays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// A calendar with these holidays.
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        !is_weekend(d) && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `start` (a concern received on a
    /// Friday with a 1-day target is due on Monday; received on a Saturday,
    /// also Monday).
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.next_day().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        // Due on a non-working day (n = 0 on a weekend): the next working day.
        while !self.is_working_day(d) {
            d = d.next_day().unwrap_or(d);
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to <= from {
            return 0;
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.next_day().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// Where a piece of work stands against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Done (on time or late).
    Done {
        /// Whether it was done by the due date.
        on_time: bool,
    },
    /// Not done, due later.
    Due(Date),
    /// Not done, due today.
    DueToday,
    /// Not done and past due.
    Overdue(Date),
}

/// The clock of work due on `due`, done on `done` (if done), seen on `today`.
pub fn clock(due: Date, done: Option<Date>, today: Date) -> Clock {
    match done {
        Some(d) => Clock::Done { on_time: d <= due },
        None if today > due => Clock::Overdue(due),
        None if today == due => Clock::DueToday,
        None => Clock::Due(due),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2025), date!(2025 - 04 - 20));
        assert_eq!(easter_sunday(2026), date!(2026 - 04 - 05));
        assert_eq!(easter_sunday(2027), date!(2027 - 03 - 28));
        assert_eq!(easter_sunday(2028), date!(2028 - 04 - 16));
    }

    #[test]
    fn bank_holidays_match_the_published_lists() {
        assert_eq!(
            england_wales_bank_holidays(2026),
            vec![
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 03),
                date!(2026 - 04 - 06),
                date!(2026 - 05 - 04),
                date!(2026 - 05 - 25),
                date!(2026 - 08 - 31),
                date!(2026 - 12 - 25),
                date!(2026 - 12 - 28), // Boxing Day is a Saturday
            ]
        );
        // 2027: Christmas Day is a Saturday, Boxing Day a Sunday.
        let h27 = england_wales_bank_holidays(2027);
        assert!(h27.contains(&date!(2027 - 12 - 27)) && h27.contains(&date!(2027 - 12 - 28)));
        // 2028: New Year's Day is a Saturday.
        assert_eq!(england_wales_bank_holidays(2028)[0], date!(2028 - 01 - 03));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let cal = Calendar::new(england_wales_bank_holidays(2026));
        // Friday + 1 working day = Monday.
        assert_eq!(
            cal.add_working_days(date!(2026 - 11 - 20), 1),
            date!(2026 - 11 - 23)
        );
        // Saturday + 1 = Monday; Saturday + 0 = Monday.
        assert_eq!(
            cal.add_working_days(date!(2026 - 11 - 21), 1),
            date!(2026 - 11 - 23)
        );
        assert_eq!(
            cal.add_working_days(date!(2026 - 11 - 21), 0),
            date!(2026 - 11 - 23)
        );
        // Thursday before Easter + 2 = Wednesday after (Good Friday and Easter Monday skipped).
        assert_eq!(
            cal.add_working_days(date!(2026 - 04 - 02), 2),
            date!(2026 - 04 - 08)
        );
        // Christmas Eve 2026 (Thursday) + 2 = 30 December.
        assert_eq!(
            cal.add_working_days(date!(2026 - 12 - 24), 2),
            date!(2026 - 12 - 30)
        );
        assert_eq!(
            cal.working_days_between(date!(2026 - 12 - 24), date!(2026 - 12 - 30)),
            2
        );
        assert_eq!(
            cal.working_days_between(date!(2026 - 11 - 23), date!(2026 - 11 - 23)),
            0
        );
    }

    #[test]
    fn clocks() {
        let due = date!(2026 - 11 - 25);
        assert_eq!(clock(due, None, date!(2026 - 11 - 24)), Clock::Due(due));
        assert_eq!(clock(due, None, due), Clock::DueToday);
        assert_eq!(clock(due, None, date!(2026 - 11 - 26)), Clock::Overdue(due));
        assert_eq!(
            clock(due, Some(date!(2026 - 11 - 26)), date!(2026 - 12 - 01)),
            Clock::Done { on_time: false }
        );
    }
}
