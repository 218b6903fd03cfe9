"""The text variables for one window: who fills in, about whom, their mentor, team and programme."""


def variables_for(window, on=None):
    """Facts for {{variables}} in a window's questionnaire (see docs/questionnaire-format.md).

    The student is the person the window is about (mentor diary) or the respondent (student
    forms); their current mentor, team title and programme fill the rest. For mentors, the list
    of their current students feeds items marked ``foreach: students``.
    """
    from zicht.people.models import Person, current_links

    respondent = window.respondent
    student = window.about or (respondent if respondent.role == Person.STUDENT else None)
    if respondent.role == Person.MENTOR:
        mentor = respondent
    else:
        mentor = student.current_mentor(on) if student else None
    team = (student or respondent).team
    organisation = team.organisation
    variables = {
        "name": respondent.first_name,
        "mentor_title": team.mentor_title,
        "programme": organisation.programme_name or organisation.name,
        "organisation": organisation.name,
    }
    if student is not None:
        variables["student"] = student.first_name
        variables["student_gender"] = student.gender
    if mentor is not None:
        variables["mentor"] = mentor.first_name
        variables["mentor_gender"] = mentor.gender
    if respondent.role == Person.MENTOR:
        links = (
            current_links(on)
            .filter(mentor=respondent)
            .select_related("student")
            .order_by("student__first_name", "student_id")
        )
        variables["students"] = [
            {
                "key": str(link.student_id),
                "first_name": link.student.first_name,
                "gender": link.student.gender,
            }
            for link in links
        ]
    return variables
